// The control plane in the bench's own process: store → pipeline → snapshot cache → xDS server,
// fed by an in-memory source the bench drives (the ADS client fleets connect from child processes).
import type { KubeObject } from '../src/apis/meta.js';
import { defaultBuildOptions } from '../src/dag/build.js';
import type { ResourceType } from '../src/envoy/resources.js';
import { defaultTranslateOptions } from '../src/assemble/translate.js';
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
  // Dropped once delivered: the pipeline keeps its sources, and a source holding its initial list
  // would keep every replaced object alive (as no real source does), which the rss row counts as growth.
  let initial: KubeObject[] | undefined = objects;
  const source: Source = {
    name: 'bench',
    start: async (given) => {
      sink = given;
      given.apply((initial ?? []).map((object) => ({ type: 'upsert', object })));
      initial = undefined;
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

/** A resource every client must receive. `version` is compared for delta clients only. */
export interface HoldTarget {
  type: ResourceType;
  name: string;
  version?: string;
}

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
