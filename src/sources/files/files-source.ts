// The standalone source: a directory of manifests, loaded recursively and watched for changes.
import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { isWatchedKind, objectKey, refOf, type KubeObject } from '../../apis/meta.js';
import type { StoreEvent } from '../../store/store.js';
import type { Logger } from '../../util/logger.js';
import type { Source, SourceSink } from '../source.js';
import { listManifestFiles } from './list-files.js';
import type { ManifestError } from './parse.js';
import type { PrimedSecretCheck } from '../../certs/secret-checks.js';
import { createParsePool } from './parse-pool.js';
import { displayName, endEarlyParse, takeEarlyParse } from './early-parse.js';

export interface FilesSourceOptions {
  directory: string;
  /** Quiet period after a file-system event before rescanning. */
  debounceMs?: number;
  /** Receives the TLS Secret checks the parser threads did, for the build to reuse (SecretChecks.prime). */
  primeSecretChecks?: (checks: PrimedSecretCheck[]) => void;
}

/** What one file contributed at its last read. */
interface FileState {
  mtimeMs: number;
  size: number;
  objects: KubeObject[];
  errors: ManifestError[];
}

/** The files source, with its current manifest errors for diagnostics. */
export interface FilesSource extends Source {
  /** Problems found in the manifests at the last scan, sorted by file and document. */
  errors(): ManifestError[];
  /** Rescans now (tests and the watcher use it); resolves when changes are delivered. */
  rescan(): Promise<void>;
}

/** Creates a source reading and watching `directory`. */
export const createFilesSource = (options: FilesSourceOptions, logger: Logger): FilesSource => {
  const log = logger.child({ source: 'files' });
  const debounceMs = options.debounceMs ?? 50;
  const files = new Map<string, FileState>();
  // What the sink currently holds, by object key: diffing against it gives the events to send.
  let delivered = new Map<string, KubeObject>();
  let sink: SourceSink | undefined;
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let scanning: Promise<void> | undefined;
  let rescanRequested = false;
  let stopped = false;
  const parser = createParsePool(log);

  const readFileState = async (
    path: string,
    previous: FileState | undefined,
  ): Promise<FileState | undefined> => {
    try {
      const info = await stat(path);
      if (previous && previous.mtimeMs === info.mtimeMs && previous.size === info.size) return previous;
      const text = await readFile(path, 'utf8');
      const { objects, errors, secretChecks } = await (takeEarlyParse(path, text) ??
        parser.parse(displayName(options.directory, path), text));
      if (secretChecks) options.primeSecretChecks?.(secretChecks);
      for (const error of errors) {
        log.warn(
          { file: error.file, document: error.document, error: error.message },
          'malformed manifest document skipped',
        );
      }
      return { mtimeMs: info.mtimeMs, size: info.size, objects, errors };
    } catch (error) {
      // The file vanished between listing and reading: it is simply gone.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  };

  // Reads the directory into `files`. A file that vanishes between listing and reading means the tree
  // is changing under us (a rename, an editor's save): list again rather than deliver a transient delete.
  const readTree = async (): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      const paths = await listManifestFiles(options.directory);
      const present = new Set(paths);
      for (const path of [...files.keys()]) if (!present.has(path)) files.delete(path);
      let vanished = false;
      // Several files in flight, so the parser threads all have work; results land by path.
      let next = 0;
      const readNext = async (): Promise<void> => {
        while (next < paths.length) {
          const path = paths[next++];
          const state = await readFileState(path, files.get(path));
          if (state) files.set(path, state);
          else {
            files.delete(path);
            vanished = true;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(8, paths.length) }, readNext));
      await parser.idle();
      if (!vanished || attempt >= 5) return;
    }
  };

  const scan = async (): Promise<void> => {
    await readTree();
    // Later files (in sorted path order) win when two files define the same object.
    const next = new Map<string, KubeObject>();
    for (const path of [...files.keys()].sort()) {
      for (const object of files.get(path)!.objects) {
        if (!isWatchedKind(object.kind)) {
          log.debug(
            { kind: object.kind, name: object.metadata.name, file: path },
            'ignoring unsupported kind',
          );
          continue;
        }
        const key = objectKey(refOf(object));
        if (next.has(key))
          log.warn({ object: key, file: path }, 'object defined more than once; the last file wins');
        next.set(key, object);
      }
    }
    const events: StoreEvent[] = [];
    for (const [key, object] of delivered)
      if (!next.has(key)) events.push({ type: 'delete', ref: refOf(object) });
    for (const [key, object] of next) {
      const before = delivered.get(key);
      if (!before || !isDeepStrictEqual(before, object)) events.push({ type: 'upsert', object });
    }
    delivered = next;
    if (events.length > 0 && sink && !stopped) sink.apply(events);
  };

  // Scans never overlap: a request during a scan runs one more scan after it.
  const rescan = async (): Promise<void> => {
    if (scanning) {
      rescanRequested = true;
      return scanning;
    }
    scanning = (async () => {
      try {
        do {
          rescanRequested = false;
          await scan();
        } while (rescanRequested && !stopped);
      } catch (error) {
        log.error({ error: (error as Error).message }, 'scanning the manifests directory failed');
      } finally {
        scanning = undefined;
      }
    })();
    return scanning;
  };

  const schedule = (): void => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void rescan();
    }, debounceMs);
  };

  return {
    name: 'files',
    async start(target: SourceSink): Promise<void> {
      sink = target;
      const info = await stat(options.directory).catch(() => undefined);
      if (!info?.isDirectory()) throw new Error(`--manifests ${options.directory}: not a directory`);
      // Watch before the first scan so nothing changed during it is missed.
      watcher = watch(options.directory, { recursive: true }, schedule);
      watcher.on('error', (error) =>
        log.error({ error: error.message }, 'watching the manifests directory failed'),
      );
      await scan();
      await endEarlyParse();
      log.info(
        { directory: options.directory, files: files.size, objects: delivered.size },
        'manifests loaded',
      );
      target.synced();
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      watcher?.close();
      await scanning;
      await parser.close();
    },
    errors(): ManifestError[] {
      return [...files.values()]
        .flatMap((state) => state.errors)
        .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.document - b.document));
    },
    rescan,
  };
};
