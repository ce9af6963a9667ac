// The control plane in the bench's own process: store → pipeline → snapshot cache → xDS server,
// fed by an in-memory source the bench drives, with real gRPC ADS clients connected to it.
import type * as grpc from '@grpc/grpc-js';
import type { KubeObject } from '../src/apis/meta.js';
import { defaultBuildOptions } from '../src/dag/build.js';
import type { ResourceType } from '../src/envoy/resources.js';
import { defaultTranslateOptions } from '../src/envoy/translate.js';
import { createPipeline, type Pipeline } from '../src/lifecycle/pipeline.js';
import { createReadiness } from '../src/lifecycle/readiness.js';
import type { Source, SourceSink } from '../src/sources/source.js';
import { createStore, type Store, type StoreEvent } from '../src/store/store.js';
import { silentLogger } from '../src/util/logger.js';
import {
  createSnapshotCache,
  type SnapshotCache,
  type SnapshotChange,
} from '../src/xds/cache/snapshot-cache.js';
import { connectAdsClient, openChannels, type AdsClient, type Subscriptions } from './ads-client.js';
import { elapsedMs } from './stats.js';

/** A running in-process control plane. */
export interface InProcessControlPlane {
  store: Store;
  cache: SnapshotCache;
  pipeline: Pipeline;
  xdsPort: number;
  /** Delivers events as a source would (the pipeline's holdoff then builds). */
  apply(events: StoreEvent[]): void;
  stop(): Promise<void>;
}

/** Starts the pipeline over `objects` with the given holdoff, and the xDS server on a free loopback port. */
export const startControlPlane = async (
  objects: KubeObject[],
  options: { holdoffDelayMs?: number; holdoffMaxDelayMs?: number; fullBuilds?: boolean } = {},
): Promise<InProcessControlPlane> => {
  // Imported here so rows that need no xDS server still run while the server is being written.
  const { startXdsServer } = await import('../src/xds/server/xds-server.js');
  const logger = silentLogger();
  const store = createStore();
  const cache = createSnapshotCache();
  let sink: SourceSink | undefined;
  const source: Source = {
    name: 'bench',
    start: async (given) => {
      sink = given;
      given.apply(objects.map((object) => ({ type: 'upsert', object })));
      given.synced();
    },
    stop: async () => {
      sink = undefined;
    },
  };
  let xds: Awaited<ReturnType<typeof startXdsServer>> | undefined;
  const pipeline = createPipeline({
    sources: [source],
    store,
    cache,
    readiness: createReadiness([source.name]),
    buildOptions: defaultBuildOptions,
    translateOptions: defaultTranslateOptions,
    incremental: options.fullBuilds !== true,
    holdoffDelayMs: options.holdoffDelayMs ?? 0,
    holdoffMaxDelayMs: options.holdoffMaxDelayMs ?? 0,
    logger,
    openServing: async () => {
      xds = await startXdsServer({ cache, address: '127.0.0.1', port: 0, logger, shutdownGraceMs: 100 });
    },
  });
  await pipeline.start();
  return {
    store,
    cache,
    pipeline,
    xdsPort: xds!.port,
    apply: (events) => sink?.apply(events),
    stop: async () => {
      await pipeline.stop();
      await xds?.close();
    },
  };
};

/** A group of ADS clients and a way to wait until all of them hold given resource versions. */
export interface ClientFleet {
  clients: AdsClient[];
  /**
   * Resolves with the milliseconds from `since` until the last client received every target
   * (arrival after `since`, and the expected version when one is given). Rejects after timeoutMs.
   */
  allHold(targets: HoldTarget[], since: bigint, timeoutMs: number): Promise<number>;
  close(): void;
}

/** A resource every client must receive. `version` is compared for delta clients only. */
export interface HoldTarget {
  type: ResourceType;
  name: string;
  version?: string;
}

/** Connects `count` clients (variants alternate per `variantOf`), spread over `channels` connections. */
export const connectFleet = (
  port: number,
  count: number,
  channelCount: number,
  variantOf: (index: number) => 'sotw' | 'delta',
  subscriptions: Subscriptions,
): ClientFleet => {
  const channels: grpc.Client[] = openChannels(port, channelCount);
  let waiter: (() => void) | undefined;
  const clients = Array.from({ length: count }, (_, index) =>
    connectAdsClient(channels[index % channelCount], variantOf(index), subscriptions, () => waiter?.()),
  );
  const holdTime = (client: AdsClient, targets: HoldTarget[], since: bigint): bigint | undefined => {
    let latest = since;
    for (const target of targets) {
      const held = client.held(target.type).get(target.name);
      if (!held || held.receivedAt <= since) return undefined;
      if (client.variant === 'delta' && target.version !== undefined && held.version !== target.version)
        return undefined;
      if (held.receivedAt > latest) latest = held.receivedAt;
    }
    return latest;
  };
  return {
    clients,
    allHold: (targets, since, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          let latest = since;
          for (const client of clients) {
            const failure = client.error();
            if (failure) return finish(new Error(`ADS client failed: ${failure}`));
            const at = holdTime(client, targets, since);
            if (at === undefined) return;
            if (at > latest) latest = at;
          }
          finish(undefined, elapsedMs(since, latest));
        };
        const timer = setTimeout(
          () => finish(new Error(`clients did not all hold ${describe(targets)} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        const finish = (error: Error | undefined, ms?: number): void => {
          clearTimeout(timer);
          waiter = undefined;
          if (error) reject(error);
          else resolve(ms!);
        };
        waiter = check;
        check();
      }),
    close: () => {
      for (const client of clients) client.close();
      for (const channel of channels) channel.close();
    },
  };
};

const describe = (targets: HoldTarget[]): string =>
  targets.map((target) => `${target.type}/${target.name}`).join(', ') || '(nothing)';

/** Waits for the next snapshot change (a build that changed something), or undefined after timeoutMs. */
export const nextChange = (cache: SnapshotCache, timeoutMs: number): Promise<SnapshotChange | undefined> =>
  new Promise((resolve) => {
    const timer = setTimeout(() => {
      unsubscribe();
      resolve(undefined);
    }, timeoutMs);
    const unsubscribe = cache.onChange((change) => {
      clearTimeout(timer);
      unsubscribe();
      resolve(change);
    });
  });

/** The targets of a change: every changed name of the given types that still exists, with its version. */
export const targetsOf = (
  cache: SnapshotCache,
  change: SnapshotChange,
  types: ResourceType[],
): HoldTarget[] =>
  types.flatMap((type) =>
    [...(change.changed.get(type) ?? [])]
      .filter((name) => cache.resources(type).has(name))
      .map((name) => ({ type, name, version: cache.resources(type).get(name)!.version })),
  );
