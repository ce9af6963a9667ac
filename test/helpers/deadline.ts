// Calls a function in a worker thread and gives up after a deadline. A hang (catastrophic regex
// backtracking, an exponential walk) blocks the thread it runs on, so a timer in the same thread could
// never fire: the worker is terminated instead, and the test fails rather than hanging the suite.
import { Worker } from 'node:worker_threads';

// The worker's entry, as JavaScript: a worker's entry point is loaded before any --import hook, so it
// registers tsx itself, then runs one exported function and posts back its result.
const workerSource = `
import { parentPort, workerData } from 'node:worker_threads';
const { register } = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))});
register();
const { moduleUrl, exportName, args } = workerData;
try {
  const module = await import(moduleUrl);
  parentPort.postMessage({ value: await module[exportName](...args) });
} catch (error) {
  parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) });
}
`;

/** The function's result, or a rejection naming the deadline when it did not return in time. */
export const callWithDeadline = async <T>(
  moduleUrl: URL,
  exportName: string,
  args: unknown[],
  deadlineMs: number,
): Promise<T> => {
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(workerSource)}`), {
    workerData: { moduleUrl: moduleUrl.href, exportName, args },
  });
  try {
    return await new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${exportName} did not return within ${deadlineMs} ms`)),
        deadlineMs,
      );
      worker.once('message', (message: { value?: T; error?: string }) => {
        clearTimeout(timer);
        if (message.error !== undefined) reject(new Error(message.error));
        else resolve(message.value as T);
      });
      worker.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  } finally {
    await worker.terminate();
  }
};
