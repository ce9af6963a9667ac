// The parent side of bench/fleet-child.ts: forks the ADS client fleet and asks it, over IPC, when
// every client holds given resources. Latencies are computed here from the child's monotonic
// timestamps (process.hrtime is CLOCK_MONOTONIC, shared by every process on the machine).
import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { Subscriptions } from './ads-client.js';
import type { FleetReply, FleetRequest, HoldTarget } from './fleet-child.js';
import { repoRoot } from './serve-process.js';
import { elapsedMs } from './stats.js';

export type { HoldTarget } from './fleet-child.js';

/** A fleet of ADS clients in a child process. */
export interface RemoteFleet {
  /** Number of clients. */
  readonly size: number;
  /**
   * Resolves with the milliseconds from `since` (process.hrtime.bigint() in this process) until the
   * last client received every target; rejects when a client fails or after timeoutMs.
   */
  allHold(targets: HoldTarget[], since: bigint, timeoutMs: number): Promise<number>;
  /** Bytes of the responses every client had received when the last allHold resolved. */
  receivedBytes(): number;
  close(): Promise<void>;
}

export interface RemoteFleetOptions {
  port: number;
  clients: number;
  /** gRPC connections the clients are spread over (one per client, as each Envoy would have). */
  channels: number;
  /** Half state of the world, half delta; otherwise all delta. */
  mixed: boolean;
  subscriptions: Subscriptions;
}

/** Forks the fleet, connects its clients and resolves once they are started (not yet synced). */
export const startRemoteFleet = async (options: RemoteFleetOptions): Promise<RemoteFleet> => {
  const child: ChildProcess = fork(resolve(repoRoot, 'bench/fleet-child.ts'), [], {
    cwd: repoRoot,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const post = (message: FleetRequest): void => {
    if (child.connected) child.send(message);
  };
  const pending = new Map<number, { resolve: (at: bigint) => void; reject: (error: Error) => void }>();
  let exited: Error | undefined;
  let receivedBytes = 0;
  let started: ((clients: number) => void) | undefined;
  let startFailed: ((error: Error) => void) | undefined;
  child.on('message', (message: FleetReply) => {
    if (message.kind === 'started') started?.(message.clients);
    else if (message.kind === 'held') {
      receivedBytes = message.bytes;
      pending.get(message.id)?.resolve(BigInt(message.at));
    } else if (message.id !== undefined) pending.get(message.id)?.reject(new Error(message.message));
    else startFailed?.(new Error(message.message));
  });
  child.on('exit', (code, signal) => {
    exited = new Error(`ADS client fleet exited (${signal ?? code})`);
    for (const waiter of pending.values()) waiter.reject(exited);
    startFailed?.(exited);
  });
  const size = await new Promise<number>((resolvePromise, reject) => {
    started = resolvePromise;
    startFailed = reject;
    post({ kind: 'start', ...options });
  });
  let nextId = 0;
  return {
    size,
    receivedBytes: () => receivedBytes,
    allHold: (targets, since, timeoutMs) => {
      if (exited) return Promise.reject(exited);
      const id = ++nextId;
      return new Promise<number>((resolvePromise, reject) => {
        pending.set(id, {
          resolve: (at) => {
            pending.delete(id);
            resolvePromise(elapsedMs(since, at));
          },
          reject: (error) => {
            pending.delete(id);
            reject(error);
          },
        });
        post({ kind: 'await', id, targets, since: since.toString(), timeoutMs });
      });
    },
    close: async () => {
      if (exited) return;
      const gone = new Promise<void>((resolvePromise) => child.once('exit', () => resolvePromise()));
      post({ kind: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    },
  };
};
