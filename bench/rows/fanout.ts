// fanout: many delta ADS streams; one cluster changes → every stream holds it. This measures the
// snapshot cache and the xDS server alone: the change is published straight to the cache, and the
// streams live in a child process (bench/fanout-fleet.ts) so their decoding is not on the server's loop.
// FANOUT_CPU_PROFILE=<file.cpuprofile> writes a CPU profile of the server process over the measured changes;
// FANOUT_FLEET_PROFILE_DIR=<dir> one of the client fleet's whole run.
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { resolve } from 'node:path';
import type { Cluster } from '../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { CachedResource } from '../../src/xds/cache/cached-resource.js';
import type { SnapshotCache, SnapshotResources } from '../../src/xds/cache/snapshot-cache.js';
import type { FleetMessage, ParentMessage } from '../fanout-fleet.js';
import { allObjects } from '../scale-set.js';
import { startControlPlane } from '../in-process.js';
import { repoRoot } from '../serve-process.js';
import { elapsedMs, summarize } from '../stats.js';
import { messageOf, unavailable, type Row, type RowResult } from './row.js';

/**
 * The cache's current entries as a publishable set, as the incremental engine publishes them: unchanged
 * resources go back as the cache's own entries (the cache keeps bytes, and an entry's `message` is
 * decoded on every read), so a publish costs what the change costs.
 */
const currentResources = (cache: SnapshotCache): { [K in keyof SnapshotResources]: CachedResource[] } => ({
  listeners: [...cache.resources('listener').values()],
  routes: [...cache.resources('route').values()],
  clusters: [...cache.resources('cluster').values()],
  endpoints: [...cache.resources('endpoint').values()],
  secrets: [...cache.resources('secret').values()],
});

/** The client fleet in its child process. */
interface Fleet {
  /** Resolves with the hrtime at which the last stream held name@version (received after `since`). */
  allHold(name: string, version: string, since: bigint, timeoutMs: number): Promise<bigint>;
  /** CPU time the fleet process has used, in ms, as of its last answer. */
  cpuMs(): number;
  stop(): void;
}

/** Forks the fleet, connects its streams, and resolves once every stream holds every subscribed cluster. */
const startFleet = (
  port: number,
  streams: number,
  channels: number,
  clusters: string[],
  timeoutMs: number,
): Promise<Fleet> => {
  const child: ChildProcess = fork(resolve(repoRoot, 'bench/fanout-fleet.ts'), [], {
    cwd: repoRoot,
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.FANOUT_FLEET_PROFILE_DIR
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.FANOUT_FLEET_PROFILE_DIR}`]
        : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const post = (message: ParentMessage): void => {
    child.send(message);
  };
  const pending = new Map<number, { resolve: (at: bigint) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let cpuMicros = 0;
  return new Promise<Fleet>((resolveFleet, rejectFleet) => {
    const timer = setTimeout(() => {
      child.kill();
      rejectFleet(new Error(`the client fleet did not connect within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const error = new Error(`the client fleet exited (${code})`);
      rejectFleet(error);
      for (const waiter of pending.values()) waiter.reject(error);
      pending.clear();
    });
    child.on('message', (message: FleetMessage) => {
      if (message.kind === 'connected') {
        clearTimeout(timer);
        cpuMicros = message.cpuMicros;
        resolveFleet({
          allHold: (name, version, since, waitMs) =>
            new Promise<bigint>((resolveHold, rejectHold) => {
              nextId += 1;
              pending.set(nextId, { resolve: resolveHold, reject: rejectHold });
              post({ kind: 'await', id: nextId, name, version, since: String(since), timeoutMs: waitMs });
            }),
          cpuMs: () => cpuMicros / 1000,
          stop: () => {
            if (child.connected) post({ kind: 'stop' });
            setTimeout(() => child.kill(), 2000).unref();
          },
        });
      } else if (message.kind === 'held') {
        cpuMicros = message.cpuMicros;
        pending.get(message.id)?.resolve(BigInt(message.at));
        pending.delete(message.id);
      } else if (message.id === undefined) {
        clearTimeout(timer);
        child.kill();
        rejectFleet(new Error(`ADS client failed: ${message.message}`));
      } else {
        pending.get(message.id)?.reject(new Error(`ADS client failed: ${message.message}`));
        pending.delete(message.id);
      }
    });
    post({ kind: 'start', port, streams, channels, clusters });
  });
};

/** Profiles this process (the server) while `work` runs, when FANOUT_CPU_PROFILE names a file. */
const profiled = async <T>(work: () => Promise<T>): Promise<T> => {
  const file = process.env.FANOUT_CPU_PROFILE;
  if (!file) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  }
};

export const fanoutRow: Row = {
  id: 'fanout',
  measure: '1,000 delta ADS streams; one cluster changes → all hold it',
  target: 'p99 ≤ 200 ms',
  run: async (context): Promise<RowResult> => {
    const streams = context.quick ? 100 : 1000;
    let controlPlane;
    try {
      controlPlane = await startControlPlane(allObjects(context.set));
    } catch (error) {
      return unavailable('fanout', context.size, `n/a (${messageOf(error)})`);
    }
    const { cache } = controlPlane;
    const clusterNames = [...cache.resources('cluster').keys()].sort();
    if (clusterNames.length === 0) {
      await controlPlane.stop();
      return unavailable('fanout', context.size, 'n/a (the build produced no clusters)');
    }
    const changes = context.quick ? 5 : 30;
    const changed = Array.from(
      { length: changes },
      (_, change) => clusterNames[Math.floor((change * clusterNames.length) / changes)],
    );
    // Streams subscribe by name to the clusters that change: a wildcard sync of 10,000 clusters to
    // 1,000 streams is gigabytes on the wire before the first measurement.
    // 1,000 Envoys would be 1,000 connections; 20 connections carrying 50 streams each keep the
    // bench's own socket overhead down while the server still serves every stream separately.
    let fleet: Fleet | undefined;
    try {
      fleet = await startFleet(controlPlane.xdsPort, streams, Math.min(20, streams), changed, 600_000);
      const connected = fleet;
      // CPU per change, server and fleet: steadier than latency on a machine others are loading.
      const serverCpuBefore = process.cpuUsage();
      const fleetCpuBefore = fleet.cpuMs();
      const samples = await profiled(async () => {
        const measured: number[] = [];
        for (let change = 0; change < changes; change++) {
          const name = changed[change];
          const current = currentResources(cache);
          const resources: SnapshotResources = {
            ...current,
            clusters: current.clusters.map((entry): CachedResource | Cluster => {
              if (entry.name !== name) return entry;
              const edited = entry.message as Cluster; // a fresh decode: the cache's entry is untouched
              edited.connectTimeout = {
                $typeName: 'google.protobuf.Duration',
                seconds: BigInt(3 + change),
                nanos: 0,
              };
              return edited;
            }),
          };
          const since = process.hrtime.bigint();
          cache.publish(resources);
          const version = cache.resources('cluster').get(name)!.version;
          const at = await connected.allHold(name, version, since, 120_000);
          measured.push(elapsedMs(since, at));
        }
        return measured;
      });
      const serverCpu = process.cpuUsage(serverCpuBefore);
      const serverCpuMsPerChange = (serverCpu.user + serverCpu.system) / 1000 / changes;
      const fleetCpuMsPerChange = (fleet.cpuMs() - fleetCpuBefore) / changes;
      const { median, p99, runs } = summarize(samples);
      return {
        id: 'fanout',
        size: context.size,
        unit: 'ms',
        median,
        p99,
        runs,
        extra: {
          streams,
          serverCpuMsPerChange: Math.round(serverCpuMsPerChange * 10) / 10,
          fleetCpuMsPerChange: Math.round(fleetCpuMsPerChange * 10) / 10,
        },
        meetsTarget: context.size >= 10_000 && !context.quick ? p99 <= 200 : undefined,
      };
    } catch (error) {
      return unavailable('fanout', context.size, `n/a (${messageOf(error)})`);
    } finally {
      fleet?.stop();
      await controlPlane.stop();
    }
  },
};
