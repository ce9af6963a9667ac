// Parsing manifest files on worker threads. At 10,000 proxies a cold start reads ~17 MB of YAML and
// validates ~1,000 certificates; on the main thread that is ~2.5 s with the other cores idle. Big
// files go to a small pool of workers (one per spare core); small ones, and every file when workers
// cannot start, are parsed inline, so the result never depends on the pool.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { PrimedSecretCheck } from '../../certs/secret-checks.js';
import type { Logger } from '../../util/logger.js';
import { parseManifest, type ParsedManifest } from './parse.js';
import type { ParseReply, ParseRequest } from './parse-worker.js';

/** Files smaller than this are parsed inline: posting them costs more than it saves. */
export const inlineBelowBytes = 64 * 1024;

/** A parsed file, and the checks of its TLS Secrets when a thread parsed it (for the build to reuse). */
export type ParsedFile = ParsedManifest & { secretChecks?: PrimedSecretCheck[] };

export interface ParsePool {
  parse(file: string, text: string): Promise<ParsedFile>;
  /** How many files a worker thread parsed (the rest were parsed inline). */
  threaded(): number;
  /** Ends the threads (their heaps are tens of MB after a big scan); the next big file starts them again. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

// The worker's module sits next to this one: parse-worker.js in the compiled dist/. Running from the
// TypeScript sources (tests, a checkout without dist/), the thread first registers tsx's loader,
// which Node 20 does not carry over from the parent's `--import tsx`.
const startWorker = (): Worker => {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./parse-worker.js', import.meta.url));
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./parse-worker.ts', import.meta.url).href;
  return new Worker(
    `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`,
    { eval: true },
  );
};

export const createParsePool = (logger: Logger, size = Math.min(2, availableParallelism())): ParsePool => {
  const workers: Worker[] = [];
  const waiting = new Map<number, { resolve: (reply: ParseReply) => void }>();
  let nextId = 0;
  let nextWorker = 0;
  let broken = false;
  let threaded = 0;

  // A worker keeps the process alive only while it has files to answer for.
  const inFlight = new Map<Worker, number>();
  const hold = (target: Worker): void => {
    inFlight.set(target, (inFlight.get(target) ?? 0) + 1);
    target.ref();
  };
  const release = (target: Worker): void => {
    const left = (inFlight.get(target) ?? 1) - 1;
    inFlight.set(target, left);
    if (left <= 0) target.unref();
  };

  const failAll = (message: string): void => {
    broken = true;
    for (const [id, entry] of waiting) entry.resolve({ id, error: message });
    waiting.clear();
  };

  const worker = (): Worker | undefined => {
    if (broken || size < 1) return undefined;
    if (workers.length < size) {
      try {
        const started = startWorker();
        started.on('message', (reply: ParseReply) => {
          waiting.get(reply.id)?.resolve(reply);
          waiting.delete(reply.id);
          release(started);
        });
        started.on('error', (error) => {
          logger.warn({ error: error.message }, 'manifest parser thread failed; parsing inline');
          failAll(error.message);
        });
        started.unref();
        workers.push(started);
      } catch (error) {
        logger.warn(
          { error: (error as Error).message },
          'manifest parser threads unavailable; parsing inline',
        );
        broken = true;
        return undefined;
      }
    }
    return workers[nextWorker++ % workers.length];
  };

  return {
    async parse(file, text) {
      const target = Buffer.byteLength(text) >= inlineBelowBytes ? worker() : undefined;
      if (!target) return parseManifest(file, text);
      const id = nextId++;
      const reply = await new Promise<ParseReply>((resolve) => {
        waiting.set(id, { resolve });
        hold(target);
        target.postMessage({ id, file, text } satisfies ParseRequest);
      });
      if (!reply.parsed) return parseManifest(file, text); // the worker failed: same result, inline
      threaded++;
      const secretChecks = reply.secretChecks ?? [];
      return secretChecks.length > 0 ? { ...reply.parsed, secretChecks } : reply.parsed;
    },
    threaded: () => threaded,
    async idle() {
      if (waiting.size > 0) return;
      const ending = workers.splice(0);
      inFlight.clear();
      nextWorker = 0;
      await Promise.all(ending.map((started) => started.terminate()));
    },
    async close() {
      failAll('closed');
      await Promise.all(workers.map((started) => started.terminate()));
      workers.length = 0;
    },
  };
};
