// A real pipeline (incremental engine, snapshot cache, readiness) fed by an in-memory source the test
// drives: what `contour serve` runs, minus the network. Shared by the hostile-input and fuzz tests.
import type { KubeObject } from '../../src/apis/meta.js';
import { defaultBuildOptions, type BuildOptions } from '../../src/dag/build.js';
import { defaultTranslateOptions } from '../../src/assemble/translate.js';
import { createPipeline, type Pipeline } from '../../src/lifecycle/pipeline.js';
import { createReadiness, type Readiness } from '../../src/lifecycle/readiness.js';
import type { Source, SourceSink } from '../../src/sources/source.js';
import { createStore, type StoreEvent } from '../../src/store/store.js';
import { silentLogger } from '../../src/util/logger.js';
import { createSnapshotCache, type SnapshotCache } from '../../src/xds/cache/snapshot-cache.js';

export interface PipelineHarness {
  pipeline: Pipeline;
  readiness: Readiness;
  cache: SnapshotCache;
  /** Delivers events as the source would, then builds at once (no holdoff). */
  apply(events: StoreEvent[]): void;
  /** Upserts objects, then builds. */
  upsert(...objects: KubeObject[]): void;
  /** Names of the resources of one type in the served snapshot. */
  names(type: 'listener' | 'route' | 'cluster' | 'endpoint' | 'secret'): string[];
  stop(): Promise<void>;
}

/** Starts a pipeline whose one source has already listed `initial`; resolves once SERVING. */
export const startPipeline = async (
  initial: KubeObject[],
  buildOptions: Partial<BuildOptions> = {},
  extend?: Parameters<typeof createPipeline>[0]['extend'],
): Promise<PipelineHarness> => {
  let sink: SourceSink | undefined;
  const source: Source = {
    name: 'test',
    start: async (given) => {
      sink = given;
      given.apply(initial.map((object) => ({ type: 'upsert', object })));
      given.synced();
    },
    stop: async () => undefined,
  };
  const readiness = createReadiness([source.name]);
  const cache = createSnapshotCache();
  const pipeline = createPipeline({
    sources: [source],
    store: createStore(),
    cache,
    readiness,
    buildOptions: { ...defaultBuildOptions, ...buildOptions },
    translateOptions: defaultTranslateOptions,
    holdoffDelayMs: 60_000,
    holdoffMaxDelayMs: 60_000,
    logger: silentLogger(),
    incremental: true,
    extend,
  });
  await pipeline.start();
  const apply = (events: StoreEvent[]): void => {
    sink!.apply(events);
    pipeline.buildNow('test');
  };
  return {
    pipeline,
    readiness,
    cache,
    apply,
    upsert: (...objects) => apply(objects.map((object) => ({ type: 'upsert', object }))),
    names: (type) => [...cache.resources(type).keys()].sort(),
    stop: () => pipeline.stop(),
  };
};
