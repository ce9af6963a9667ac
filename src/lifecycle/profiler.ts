// Node's counterpart of Go's /debug/pprof on the debug listener: a CPU profile of the next N seconds
// (V8's sampling profiler through node:inspector, a `.cpuprofile` that Chrome DevTools and
// speedscope open) and a heap snapshot (`.heapsnapshot`, streamed as V8 writes it). One at a time:
// both cost the process CPU and memory, and a snapshot pauses it while it is taken.
import { Session } from 'node:inspector/promises';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { getHeapSnapshot } from 'node:v8';

/** Longest CPU profile one request may ask for. */
export const maxProfileSeconds = 120;
/** Go's pprof default. */
export const defaultProfileSeconds = 30;

export type ProfileResult = { ok: true; profile: string } | { ok: false; status: 400 | 409; error: string };

export type HeapSnapshotResult = { ok: true; snapshot: Readable } | { ok: false; status: 409; error: string };

export interface Profiler {
  /** Profiles the CPU for `seconds` (text from the query string); the profile as JSON text. */
  cpuProfile(seconds: string | null): Promise<ProfileResult>;
  /** A heap snapshot as a stream of JSON. */
  heapSnapshot(): HeapSnapshotResult;
}

const busyError = (running: string): { ok: false; status: 409; error: string } => ({
  ok: false,
  status: 409,
  error: `a ${running} is already being taken; one profile at a time`,
});

/** Creates the profiler behind the /debug/pprof endpoints. */
export const createProfiler = (): Profiler => {
  let running: string | undefined;
  return {
    async cpuProfile(secondsText) {
      const seconds = secondsText === null ? defaultProfileSeconds : Number(secondsText);
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > maxProfileSeconds) {
        return {
          ok: false,
          status: 400,
          error: `seconds: must be a whole number from 1 to ${maxProfileSeconds}, not "${secondsText ?? ''}"`,
        };
      }
      if (running) return busyError(running);
      running = 'CPU profile';
      const session = new Session();
      try {
        session.connect();
        await session.post('Profiler.enable');
        await session.post('Profiler.start');
        await sleep(seconds * 1000, undefined, { ref: false });
        const { profile } = await session.post('Profiler.stop');
        return { ok: true, profile: JSON.stringify(profile) };
      } finally {
        session.disconnect();
        running = undefined;
      }
    },
    heapSnapshot() {
      if (running) return busyError(running);
      running = 'heap snapshot';
      const snapshot = getHeapSnapshot();
      snapshot.once('close', () => (running = undefined));
      return { ok: true, snapshot };
    },
  };
};
