// One full garbage collection once the first build is served. At 10,000 proxies start-up allocates
// over a gigabyte (manifests, the first build, translation and encoding) of which ~150 MB stays live;
// V8 keeps the rest until its next major collection, which an idle control plane may not reach for a
// long time, and the resident memory a pod is charged for stays ~100 MB higher meanwhile.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collector: (() => void) | undefined;

/** V8's `gc`, exposed at run time (as `--expose-gc` would at start); undefined where that fails. */
const gcFunction = (): (() => void) | undefined => {
  if (collector) return collector;
  try {
    setFlagsFromString('--expose-gc');
    const found = runInNewContext('gc') as unknown;
    if (typeof found === 'function') collector = found as () => void;
  } catch {
    collector = undefined;
  }
  return collector;
};

/** Runs one full collection; returns the heap used before and after (bytes), or undefined if unavailable. */
export const collectStartupGarbage = (): { before: number; after: number; ms: number } | undefined => {
  const gc = gcFunction();
  if (!gc) return undefined;
  const before = process.memoryUsage().heapUsed;
  const started = performance.now();
  gc();
  return { before, after: process.memoryUsage().heapUsed, ms: performance.now() - started };
};
