// Watching a manifests tree with chokidar (see docs/architecture.md "Files source" for why not
// `fs.watch(dir, { recursive: true })`). Events are classified for the files source: a manifest file
// that changed (read that one file again), or a change to the tree's shape (directories, links, a
// ConfigMap volume's `..data` swap) that only a full rescan can follow.
import { basename, isAbsolute, join, relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { isManifestName } from './list-files.js';

/** What an event means for the files source. */
export type TreeChange = { kind: 'file'; path: string } | { kind: 'tree' };

export interface TreeWatcher {
  /** Resolves once the initial walk is done and events flow. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** How long start-up waits for chokidar's first walk. */
const readyBoundMs = 10_000;

/** Hidden entries that are watched all the same: a ConfigMap volume's `..data` and `..<timestamp>`. */
const isVolumeEntry = (name: string): boolean => name.startsWith('..') && name.length > 2;

/** Whether `path` is a visible manifest file of the tree (no hidden segment on the way). */
const isVisibleManifest = (root: string, path: string): boolean => {
  const inside = relative(root, path);
  if (inside === '' || inside.startsWith('..' + sep) || isAbsolute(inside)) return false;
  const segments = inside.split(sep);
  return segments.every((segment) => !segment.startsWith('.')) && isManifestName(segments.at(-1)!);
};

/** Watches `root` (following links) and reports each change classified. */
export const watchTree = (
  root: string,
  onChange: (change: TreeChange) => void,
  onError: (error: Error) => void,
): TreeWatcher => {
  const watcher: FSWatcher = watch(root, {
    ignoreInitial: true,
    followSymlinks: true,
    // Persistent watches share one fs.watch per path across every chokidar watcher of the process (a
    // module-level table) and keep the process alive; a watch on a directory removed mid-walk could stay
    // there after close(), so a stopped source kept its process from exiting. Non-persistent watches are
    // this watcher's own and unreferenced; the servers keep `contour serve` alive.
    persistent: false,
    // Editors' swap files and `.git` churn a lot and hold no manifests; `..data` and its kin do.
    ignored: (path: string) => {
      const name = basename(path);
      return path !== root && name.startsWith('.') && !isVolumeEntry(name);
    },
    // Each event is read again after the debounce anyway: chokidar's own 100 ms unlink delay only adds latency.
    atomic: false,
  });
  let stopped = false;
  const classify = (path: string, isDirectoryEvent: boolean): void => {
    if (isDirectoryEvent)
      onChange({ kind: 'tree' }); // a directory or a link to one came or went
    else if (isVisibleManifest(root, path)) onChange({ kind: 'file', path });
    // A manifest reached another way (inside `..2026_…`, behind a linked directory) needs the listing.
    else if (isManifestName(basename(path)) || relative(root, path).split(sep).some(isVolumeEntry))
      onChange({ kind: 'tree' });
    // Temporary files (`a.yaml.tmp` before its rename) and other non-manifests change nothing.
  };
  watcher.on('all', (event, path) => classify(path, event === 'addDir' || event === 'unlinkDir'));
  // chokidar drops a file's events within 5 ms of the previous one and a change whose mtime equals the
  // last it saw (timestamps are coarse): the last write of a burst could go unseen. Its raw events
  // (every inotify event, before that filtering) name the path too.
  watcher.on('raw', (_event, name: string | null, details: unknown) => {
    const watched = (details as { watchedPath?: string } | undefined)?.watchedPath;
    if (!watched || stopped) return;
    classify(!name || basename(watched) === name ? watched : join(watched, name), false);
  });
  watcher.on('error', (error) => onError(error instanceof Error ? error : new Error(String(error))));
  // chokidar says `ready` after its first walk; a walk that fails (no inotify watches left, too many open
  // files) may never say it. The source must start anyway (the resync covers what is not watched).
  const ready = new Promise<void>((resolve) => {
    const bound = setTimeout(() => {
      onError(new Error(`not ready after ${readyBoundMs} ms; relying on the resync`));
      resolve();
    }, readyBoundMs);
    bound.unref();
    watcher.once('ready', () => {
      clearTimeout(bound);
      resolve();
    });
  });
  return {
    ready,
    // chokidar adds the watches of its first walk asynchronously; closed before that walk ends, it can
    // leave an fs watcher open behind it (a process that never exits). Close once the walk is over.
    close: async () => {
      stopped = true;
      await ready;
      await watcher.close();
    },
  };
};
