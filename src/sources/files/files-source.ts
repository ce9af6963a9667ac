// The standalone source: a directory of manifests, loaded recursively and watched for changes.
// An event names a file: that file alone is read again. A change to the tree's shape (a directory, a
// link, a ConfigMap volume's `..data` swap), a periodic resync and the directory's return after
// being removed read the whole tree; either way a file whose content hash is unchanged is not parsed,
// and only the objects of changed files are compared with what the sink holds.
import { stat } from 'node:fs/promises';
import type { KubeObject } from '../../apis/meta.js';
import type { Logger } from '../../util/logger.js';
import type { Source, SourceProblem, SourceSink } from '../source.js';
import { displayName, endEarlyParse, takeEarlyParse } from './early-parse.js';
import { manifestFileLimitsOf, type ManifestFileLimits } from './file-limits.js';
import { readManifestFile, type FileState, type ParseText } from './file-state.js';
import { listManifestTree, type ListingProblem } from './list-files.js';
import { createObjectIndex } from './object-index.js';
import { parseByDocument, type DocumentCache } from './document-cache.js';
import type { ManifestError } from './parse.js';
import type { PrimedSecretCheck } from '../../certs/secret-checks.js';
import { createParsePool } from './parse-pool.js';
import { watchTree, type TreeChange, type TreeWatcher } from './tree-watcher.js';

export interface FilesSourceOptions {
  directory: string;
  /** How long after a file-system event its file is read, with every other change in that window (default 50 ms). */
  debounceMs?: number;
  /** Period of the full rescan that catches anything the watcher missed; 0 disables (default 60 s). */
  resyncPeriodMs?: number;
  /** How often the directory itself is checked for removal or replacement (default 1 s). */
  directoryCheckMs?: number;
  /** Receives the TLS Secret checks the parser threads did, for the build to reuse (SecretChecks.prime). */
  primeSecretChecks?: (checks: PrimedSecretCheck[]) => void;
  /** Bounds on one file (size, documents); a file past one is refused like a file that does not parse. */
  limits?: Partial<ManifestFileLimits>;
}

/** The files source, with its current manifest errors for diagnostics. */
export interface FilesSource extends Source {
  /** Problems in the manifests now, sorted by file, document and line. */
  errors(): ManifestError[];
  /** Reads the whole tree now (tests use it); resolves when changes are delivered. */
  rescan(): Promise<void>;
}

/** At most this many files are read at once (and so in flight to the parser threads). */
const readConcurrency = 8;

const compareProblems = (a: SourceProblem, b: SourceProblem): number =>
  a.file < b.file ? -1 : a.file > b.file ? 1 : (a.document ?? -1) - (b.document ?? -1);

/** Creates a source reading and watching `directory`. */
export const createFilesSource = (options: FilesSourceOptions, logger: Logger): FilesSource => {
  const log = logger.child({ source: 'files' });
  const root = options.directory;
  const debounceMs = options.debounceMs ?? 50;
  const resyncPeriodMs = options.resyncPeriodMs ?? 60_000;
  const directoryCheckMs = options.directoryCheckMs ?? 1000;
  const limits = manifestFileLimitsOf(options.limits);
  const files = new Map<string, FileState>();
  const index = createObjectIndex();
  const parser = createParsePool(log);
  let listingProblems: ListingProblem[] = [];
  let reportedProblems = '[]';
  let sink: SourceSink | undefined;
  let synced = false;
  let stopped = false;
  // The watcher and the directory it watches (an inode: a directory replaced is a new one).
  let watcher: TreeWatcher | undefined;
  let watchedInode: number | undefined;
  let blind = false;
  let wasEmpty = false;
  const timers: NodeJS.Timeout[] = [];
  let debounce: NodeJS.Timeout | undefined;
  // Pending work: paths to read again, or the whole tree; one pass at a time.
  const pendingPaths = new Set<string>();
  let pendingFull: 'watch' | 'resync' | undefined;
  let working: Promise<void> = Promise.resolve();
  let draining = false;

  const nameOf = (path: string): string => displayName(root, path);

  // A few files (an edit) parse inline, document by document against their last version: a thread
  // would cost its start-up. Many go to the threads.
  const documentCaches = new Map<string, DocumentCache>();
  const inline: ParseText = (name, path, text) => {
    const { parsed, cache } = parseByDocument(name, text, documentCaches.get(path));
    if (cache) documentCaches.set(path, cache);
    else documentCaches.delete(path);
    return Promise.resolve(parsed);
  };
  const threaded: ParseText = async (name, path, text) => {
    const { secretChecks, ...parsed } = await (takeEarlyParse(path, text) ?? parser.parse(name, text));
    if (secretChecks) options.primeSecretChecks?.(secretChecks);
    return parsed;
  };

  const problems = (): SourceProblem[] =>
    [
      ...[...files.values()].flatMap((state) => state.errors),
      ...listingProblems.map(({ path, message }) => ({ file: nameOf(path), message })),
      ...(blind ? [{ file: root, message: 'manifests directory is gone; serving what it last held' }] : []),
    ].sort(compareProblems);

  const reportProblems = (): void => {
    const current = problems();
    const text = JSON.stringify(current);
    if (text === reportedProblems) return;
    reportedProblems = text;
    sink?.problems?.(current);
  };

  /** Hands the changed files' objects to the index and the resulting events to the sink. */
  const deliver = (changes: Map<string, ReadonlyMap<string, KubeObject> | undefined>): void => {
    const { events, duplicates } = index.update(changes);
    for (const [key, paths] of duplicates)
      log.warn(
        { object: key, files: paths.map(nameOf) },
        'object defined more than once; the last file wins',
      );
    if (events.length === 0 || !sink || stopped) return;
    try {
      sink.apply(events);
    } catch (error) {
      log.error({ error: (error as Error).message }, 'delivering manifest changes failed');
    }
  };

  /** Reads `paths` again; returns how many changed. */
  const readPaths = async (paths: string[], parse: ParseText): Promise<number> => {
    const changes = new Map<string, ReadonlyMap<string, KubeObject> | undefined>();
    let next = 0;
    const readNext = async (): Promise<void> => {
      while (next < paths.length) {
        const path = paths[next++];
        const previous = files.get(path);
        const read = await readManifestFile(path, nameOf(path), previous, parse, log, limits);
        if ('gone' in read) {
          documentCaches.delete(path);
          if (previous) gone.push(path);
        } else if ('notAFile' in read) {
          pendingFull ??= 'watch'; // a directory now has a manifest's name: the tree changed
        } else if (read.state !== previous) {
          files.set(path, read.state);
          if (read.state.served !== previous?.served) changes.set(path, read.state.served);
        }
      }
    };
    const gone: string[] = [];
    await Promise.all(Array.from({ length: Math.min(readConcurrency, paths.length) }, readNext));
    // Files gone because the directory is (`rm -r` deletes its files first): not a deletion of every
    // file but a blind source, which keeps serving; its return means a full read anyway.
    if (gone.length > 0 && !(await stat(root).catch(() => undefined))?.isDirectory()) void checkDirectory();
    else
      for (const path of gone) {
        files.delete(path);
        changes.set(path, undefined);
      }
    deliver(changes);
    return changes.size;
  };

  /** Lists and reads the whole tree; returns how many files changed, or undefined when it is gone. */
  const readTree = async (): Promise<number | undefined> => {
    let listing;
    try {
      listing = await listManifestTree(root);
    } catch (error) {
      log.warn({ directory: root, error: (error as Error).message }, 'cannot list the manifests directory');
      void checkDirectory();
      return undefined;
    }
    for (const problem of listing.problems)
      if (!listingProblems.some((known) => known.path === problem.path))
        log.warn({ path: nameOf(problem.path), error: problem.message }, 'manifest path unreadable');
    listingProblems = listing.problems;
    const listed = new Set(listing.files);
    const removed = [...files.keys()].filter((path) => !listed.has(path));
    const changed = await readPaths([...removed, ...listing.files], threaded);
    await parser.idle();
    if (listing.files.length === 0 && !wasEmpty)
      log.warn({ directory: root }, 'the manifests directory holds no manifest files');
    wasEmpty = listing.files.length === 0;
    return changed;
  };

  const drain = async (): Promise<void> => {
    while ((pendingFull || pendingPaths.size > 0) && !stopped) {
      const full = pendingFull;
      const paths = [...pendingPaths];
      pendingFull = undefined;
      pendingPaths.clear();
      try {
        if (!full) await readPaths(paths, paths.length <= 2 ? inline : threaded);
        else {
          const changed = await readTree();
          if (full === 'resync' && changed)
            log.warn({ files: changed }, 'resync found changes the watcher had not reported');
        }
      } catch (error) {
        // Never expected (each file's failure is its own); logged so the next event starts afresh.
        log.error({ error: (error as Error).message }, 'reading the manifests directory failed');
      }
      reportProblems();
    }
  };

  /** Runs pending work now, unless a pass is already running (it will pick the work up). */
  const kick = (): Promise<void> => {
    if (draining) return working;
    draining = true;
    working = drain().finally(() => (draining = false));
    return working;
  };

  const onChange = (change: TreeChange): void => {
    if (stopped) return;
    if (change.kind === 'file') pendingPaths.add(change.path);
    else pendingFull ??= 'watch';
    // A window from the first event, not a quiet period: the events a write makes trickle in over a few
    // milliseconds (chokidar's own arrive after its stat), and continuous churn must not postpone reads.
    if (debounce) return;
    debounce = setTimeout(() => {
      debounce = undefined;
      void kick();
    }, debounceMs);
  };

  const openWatcher = (inode: number): TreeWatcher => {
    watchedInode = inode;
    const opened = watchTree(root, onChange, (error) => {
      log.warn({ error: error.message }, 'watching the manifests directory failed; reading it again');
      onChange({ kind: 'tree' });
    });
    watcher = opened;
    return opened;
  };

  // The directory removed (the watcher is then blind: stale until it is back), or replaced by a new
  // one (the watcher follows the old one: watch the new one and read it all).
  let checking = false;
  const checkDirectory = async (): Promise<void> => {
    if (stopped || checking) return;
    checking = true;
    try {
      await followDirectory();
    } finally {
      checking = false;
    }
  };
  const followDirectory = async (): Promise<void> => {
    const info = await stat(root).catch(() => undefined);
    if (stopped) return;
    if (!info?.isDirectory()) {
      if (blind) return;
      blind = true;
      log.warn({ directory: root }, 'the manifests directory is gone; serving what it last held');
      const closing = watcher;
      watcher = undefined;
      watchedInode = undefined;
      await closing?.close();
      if (synced) sink?.stale(true);
      reportProblems();
      return;
    }
    if (!blind && info.ino === watchedInode) return;
    const wasBlind = blind;
    const closing = watcher;
    watcher = undefined;
    await closing?.close();
    log.info({ directory: root }, 'watching the manifests directory again');
    const opened = openWatcher(info.ino);
    await opened.ready;
    if (stopped) {
      await opened.close(); // stopped while it opened: stop() closed the one before
      return;
    }
    blind = false;
    pendingFull ??= 'watch';
    await kick();
    if (wasBlind && synced) sink?.stale(false);
  };

  return {
    name: 'files',
    async start(target: SourceSink): Promise<void> {
      sink = target;
      const info = await stat(root).catch(() => undefined);
      if (!info?.isDirectory()) throw new Error(`--manifests ${root}: not a directory`);
      // Watch before the first read so nothing changed during it is missed.
      const watching = openWatcher(info.ino);
      pendingFull = 'watch';
      await kick();
      await watching.ready;
      await endEarlyParse();
      log.info({ directory: root, files: files.size, objects: index.size() }, 'manifests loaded');
      synced = true;
      target.synced();
      if (resyncPeriodMs > 0)
        timers.push(
          setInterval(() => {
            pendingFull ??= 'resync';
            void kick();
          }, resyncPeriodMs),
        );
      timers.push(setInterval(() => void checkDirectory(), directoryCheckMs));
      for (const timer of timers) timer.unref();
    },
    async stop(): Promise<void> {
      stopped = true;
      for (const timer of timers) clearInterval(timer);
      if (debounce) clearTimeout(debounce);
      await watcher?.close();
      await working;
      await parser.close();
    },
    errors: () => problems(),
    async rescan(): Promise<void> {
      pendingFull ??= 'watch';
      await kick(); // a pass already running picks the request up before it ends
    },
  };
};
