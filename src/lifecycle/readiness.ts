// The readiness state machine of DESIGN.md §3:
//   STARTING → SYNCING (sources started) → BUILDING (every source synced) → SERVING (first build published).
// Readiness depends only on sources and the first build: never on leadership or on which objects exist.
import type { SourceProblem, SourceState } from '../sources/source.js';

export type Phase = 'STARTING' | 'SYNCING' | 'BUILDING' | 'SERVING';

/** What the served configuration holds: nothing, only valid objects, or some rejected objects. */
export type ConfigState = 'unknown' | 'empty' | 'valid' | 'degraded';

/** The JSON body of /readyz. */
export interface ReadinessReport {
  phase: Phase;
  config: ConfigState;
  leader: boolean;
  sources: Record<string, SourceState>;
  snapshot: { version: string; hash: string };
  xdsClients: number;
  /** Extra facts worth showing (e.g. kinds skipped because their CRD is missing). */
  notes?: string[];
  /** Input a source could not serve as written (a malformed manifest file); each makes config `degraded`. */
  problems?: (SourceProblem & { source: string })[];
  /** When `config` is `degraded`: the objects refused or rejected, each with why (the first few). */
  rejected?: string[];
}

export interface Readiness {
  phase(): Phase;
  /** A promise per source, resolved once its initial list is delivered and processed. */
  whenSynced(source: string): Promise<void>;
  /** Resolves when every source has synced. */
  allSynced(): Promise<void>;
  sourceStarted(source: string): void;
  sourceSynced(source: string): void;
  sourceStale(source: string, stale: boolean): void;
  /** The first build has been published: enter SERVING. */
  published(config: ConfigState, snapshot: { version: string; hash: string }): void;
  /** A later build was published. */
  updated(config: ConfigState, snapshot: { version: string; hash: string }): void;
  setLeader(leader: boolean): void;
  setXdsClients(count: () => number): void;
  addNote(note: string): void;
  /**
   * Sets (or clears, with undefined) a problem that makes the served config incomplete, e.g. a kind
   * that cannot be read: it shows in notes and makes config `degraded` until cleared.
   */
  setProblem(key: string, note: string | undefined): void;
  /** Replaces a source's current input problems (a malformed manifest file): each makes config `degraded`. */
  setSourceProblems(source: string, problems: readonly SourceProblem[]): void;
  /** The objects refused at ingest or rejected by the build (shown while `config` is `degraded`). */
  setRejected(rejected: string[]): void;
  ready(): boolean;
  report(): ReadinessReport;
  /** Subscribes to phase changes. */
  onPhase(listener: (phase: Phase) => void): void;
}

/** Creates the state machine for the named sources. */
export const createReadiness = (sourceNames: string[]): Readiness => {
  let phase: Phase = 'STARTING';
  let config: ConfigState = 'unknown';
  let leader = false;
  let snapshot = { version: '', hash: '' };
  let xdsClients: () => number = () => 0;
  const notes: string[] = [];
  let rejected: string[] = [];
  const problems = new Map<string, string>();
  const sourceProblems = new Map<string, readonly SourceProblem[]>();
  const listeners: ((phase: Phase) => void)[] = [];
  const states = new Map<string, SourceState>(sourceNames.map((name) => [name, 'starting']));
  const syncSignals = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  for (const name of sourceNames) {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    syncSignals.set(name, { promise, resolve });
  }
  const all = Promise.all([...syncSignals.values()].map((s) => s.promise)).then(() => undefined);

  const enter = (next: Phase): void => {
    if (next === phase) return;
    phase = next;
    for (const listener of listeners) listener(next);
  };
  const known = (source: string): void => {
    if (!states.has(source)) throw new Error(`readiness: unknown source ${source}`);
  };
  // Entering BUILDING is driven by the sync promises themselves, so it cannot depend on later events.
  void all.then(() => {
    if (phase === 'STARTING' || phase === 'SYNCING') enter('BUILDING');
  });

  return {
    phase: () => phase,
    whenSynced: (source) => {
      known(source);
      return syncSignals.get(source)!.promise;
    },
    allSynced: () => all,
    sourceStarted(source) {
      known(source);
      if (states.get(source) === 'starting') states.set(source, 'syncing');
      if (phase === 'STARTING') enter('SYNCING');
    },
    sourceSynced(source) {
      known(source);
      states.set(source, 'synced');
      syncSignals.get(source)!.resolve();
    },
    sourceStale(source, stale) {
      known(source);
      const state = states.get(source);
      if (stale && state === 'synced') states.set(source, 'stale');
      if (!stale && state === 'stale') states.set(source, 'synced');
    },
    published(nextConfig, nextSnapshot) {
      config = nextConfig;
      snapshot = nextSnapshot;
      enter('SERVING');
    },
    updated(nextConfig, nextSnapshot) {
      config = nextConfig;
      snapshot = nextSnapshot;
    },
    setLeader(value) {
      leader = value;
    },
    setXdsClients(count) {
      xdsClients = count;
    },
    addNote(note) {
      if (!notes.includes(note)) notes.push(note);
    },
    setRejected(next) {
      rejected = [...next];
    },
    setProblem(key, note) {
      if (note === undefined) problems.delete(key);
      else problems.set(key, note);
    },
    setSourceProblems(source, current) {
      known(source);
      if (current.length === 0) sourceProblems.delete(source);
      else sourceProblems.set(source, current);
    },
    ready: () => phase === 'SERVING',
    report: () => {
      const allNotes = [...notes, ...[...problems.entries()].sort().map(([, note]) => note)];
      // Something that should be served cannot be: never `empty` or `valid` then.
      const refused = problems.size > 0 || sourceProblems.size > 0;
      const served = refused && (config === 'empty' || config === 'valid') ? 'degraded' : config;
      return {
        phase,
        config: served,
        leader,
        sources: Object.fromEntries([...states.entries()].sort()),
        snapshot,
        xdsClients: xdsClients(),
        ...(allNotes.length > 0 ? { notes: allNotes } : {}),
        ...(sourceProblems.size > 0
          ? {
              problems: [...sourceProblems.entries()]
                .sort(([a], [b]) => (a < b ? -1 : 1))
                .flatMap(([source, list]) => list.map((problem) => ({ source, ...problem }))),
            }
          : {}),
        ...(served === 'degraded' && rejected.length > 0 ? { rejected: [...rejected] } : {}),
      };
    },
    onPhase(listener) {
      listeners.push(listener);
    },
  };
};
