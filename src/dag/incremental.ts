// The incremental build: the same processors as buildDag, run per unit (a connected group of routing
// objects, see incremental-graph.ts) over a store view that records what the unit reads. After an
// event only the units that contain the object, or read it, are rebuilt; the others keep their
// DAG pieces and statuses. buildDag over the whole store stays the reference: tests check that both
// give equal results after random edit sequences.
import type { KubeObject, ObjectRef } from '../apis/meta.js';
import { objectKey } from '../apis/meta.js';
import { createReferenceIndex, recordingView, type ReadSet } from '../store/reference-index.js';
import type { StoreView } from '../store/store.js';
import { buildDag, type BuildOptions, type BuildResult } from './build.js';
import { createBuildMemo, type BuildMemo } from './build-memo.js';
import { createRoutingGraph, isRoutingKind, linksOf, routingKinds } from './incremental-graph.js';
import { createAssembly } from './incremental-assembly.js';
import { compareStrings } from './names.js';

/** One unit: its routing objects and what building them produced. */
interface Unit {
  /** Object keys of the unit's routing objects that exist in the store. */
  members: string[];
  result: BuildResult;
}

/** Counters of the last build, for the bench and the debug page. */
export interface IncrementalStats {
  unitsRebuilt: number;
  units: number;
  fullRebuild: boolean;
}

export interface IncrementalBuilder {
  /**
   * Records that an object changed in the store (call after store.apply); returns whether the
   * change can affect the build (false for objects no unit reads, e.g. an unused Secret).
   */
  noteChange(ref: ObjectRef): boolean;
  /** Builds, rebuilding only units affected since the last build; the first call builds everything. */
  build(): BuildResult;
  /** Forgets everything: the next build is a full one. */
  reset(): void;
  /** What the last build did. */
  lastStats(): IncrementalStats;
}

const keyOf = (kind: string, namespace: string, name: string): string => `${kind}/${namespace}/${name}`;

const splitKey = (key: string): ObjectRef => {
  const first = key.indexOf('/');
  const second = key.indexOf('/', first + 1);
  return { kind: key.slice(0, first), namespace: key.slice(first + 1, second), name: key.slice(second + 1) };
};

/** Creates an incremental builder over `store` (which the caller keeps mutating). */
export const createIncrementalBuilder = (
  store: StoreView,
  options: BuildOptions,
  memo: BuildMemo = createBuildMemo(),
): IncrementalBuilder => {
  let graph = createRoutingGraph();
  let index = createReferenceIndex<Unit>();
  const unitOf = new Map<string, Unit>();
  const units = new Set<Unit>();
  /** Routing objects whose unit must be recomputed. */
  const dirty = new Set<string>();
  let initialized = false;
  let stats: IncrementalStats = { unitsRebuilt: 0, units: 0, fullRebuild: true };
  let assembly = createAssembly();

  const objectOf = (key: string): KubeObject | undefined => {
    const ref = splitKey(key);
    return store.get(ref.kind, ref.namespace, ref.name);
  };

  const dissolve = (unit: Unit): void => {
    if (!units.delete(unit)) return;
    index.remove(unit);
    assembly.remove(unit.result);
    for (const member of unit.members) {
      if (unitOf.get(member) === unit) unitOf.delete(member);
      dirty.add(member);
    }
  };

  const markRouting = (key: string): void => {
    const object = objectOf(key);
    const before = graph.linksOf(key);
    const after = object ? linksOf(object) : [];
    // Units the object belonged to or now touches are all stale.
    const owner = unitOf.get(key);
    if (owner) dissolve(owner);
    for (const node of [...before, ...after]) {
      const unit = unitOf.get(node);
      if (unit) dissolve(unit);
    }
    graph.setLinks(key, after);
    dirty.add(key);
  };

  const buildUnit = (members: string[]): Unit => {
    const scoped = new Map<string, KubeObject[]>(routingKinds.map((kind) => [kind, []]));
    for (const key of members) {
      const object = objectOf(key);
      if (object) scoped.get(object.kind)!.push(object);
    }
    // Same order as store.list: namespace then name (the key order within one kind).
    for (const list of scoped.values()) {
      list.sort((a, b) =>
        compareStrings(
          `${a.metadata.namespace ?? ''}/${a.metadata.name}`,
          `${b.metadata.namespace ?? ''}/${b.metadata.name}`,
        ),
      );
    }
    const reads: ReadSet = { objects: new Set(), kinds: new Set() };
    const result = buildDag(recordingView(store, reads, scoped), options, memo);
    const unit: Unit = { members, result };
    units.add(unit);
    index.set(unit, reads);
    assembly.add(result);
    for (const member of members) unitOf.set(member, unit);
    return unit;
  };

  const rebuildDirty = (): number => {
    let rebuilt = 0;
    const placed = new Set<string>();
    // Sorted, so unit composition never depends on event order; dissolving may add to `dirty` as we go.
    for (
      let pending = [...dirty].sort();
      pending.length > 0;
      pending = [...dirty].filter((key) => !placed.has(key)).sort()
    ) {
      for (const start of pending) {
        if (placed.has(start)) continue;
        const members: string[] = [];
        // A component may reach into units that are not dirty (a new include); those dissolve into it.
        const component = graph.component(start, (node) => {
          const unit = unitOf.get(node);
          if (unit) dissolve(unit);
        });
        for (const node of component) {
          placed.add(node);
          if (node.startsWith('host:')) continue;
          if (isRoutingKind(splitKey(node).kind) && objectOf(node)) members.push(node);
        }
        // Dissolving may have added members of other units to the component's dirty set; they are in it.
        if (members.length > 0) {
          buildUnit(members.sort());
          rebuilt += 1;
        }
      }
    }
    dirty.clear();
    return rebuilt;
  };

  const initialize = (): void => {
    for (const kind of routingKinds) {
      for (const object of store.list(kind)) {
        const key = keyOf(kind, object.metadata.namespace ?? '', object.metadata.name);
        graph.setLinks(key, linksOf(object));
        dirty.add(key);
      }
    }
    initialized = true;
  };

  return {
    noteChange(ref) {
      if (!initialized) return true;
      if (isRoutingKind(ref.kind)) {
        markRouting(objectKey(ref));
        return true;
      }
      const readers = index.readersOf(ref);
      for (const unit of readers) dissolve(unit);
      return readers.size > 0;
    },
    build() {
      const full = !initialized;
      if (full) initialize();
      const rebuilt = rebuildDirty();
      stats = { unitsRebuilt: rebuilt, units: units.size, fullRebuild: full };
      return assembly.result();
    },
    reset() {
      graph = createRoutingGraph();
      index = createReferenceIndex<Unit>();
      units.clear();
      dirty.clear();
      unitOf.clear();
      assembly = createAssembly();
      initialized = false;
    },
    lastStats: () => stats,
  };
};
