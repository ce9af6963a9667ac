// The event loop: sources → store → (holdoff) → build → translate → snapshot cache.
// It is the store's single writer and drives readiness (DESIGN.md §2–3).
import { buildDag, type BuildOptions, type BuildResult } from '../dag/build.js';
import { translate, type TranslateOptions } from '../envoy/translate.js';
import type { Dag } from '../dag/types.js';
import type { Source, SourceSink } from '../sources/source.js';
import { refOf } from '../apis/meta.js';
import type { Store, StoreEvent } from '../store/store.js';
import type { Logger } from '../util/logger.js';
import type { ConfigState, Readiness } from './readiness.js';
import { Counter, Histogram } from 'prom-client';
import { metricsRegistry } from '../util/metrics.js';
import { recordDagRebuild } from '../util/contour-metrics.js';
import { createIncrementalEngine, type IncrementalEngine } from '../dag/incremental-engine.js';
import type { ClusterLoadAssignment } from '../gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { Publishable, SnapshotResources } from '../xds/cache/snapshot-cache.js';

/** The part of the snapshot cache the loop needs. */
export interface SnapshotTarget {
  publish(resources: SnapshotResources): void;
  /** Replaces only the ClusterLoadAssignments (used with an incremental engine: EDS bypasses the build). */
  publishEndpoints?(endpoints: readonly Publishable<ClusterLoadAssignment>[]): void;
  /** Sets only the given ClusterLoadAssignments (an EndpointSlice event costs what it changed). */
  patchEndpoints?(
    upserted: readonly Publishable<ClusterLoadAssignment>[],
    removed: readonly string[],
    list?: readonly Publishable<ClusterLoadAssignment>[],
  ): void;
  version(): string;
  hash(): string;
}

export interface PipelineOptions {
  sources: Source[];
  store: Store;
  cache: SnapshotTarget;
  readiness: Readiness;
  buildOptions: BuildOptions;
  translateOptions: TranslateOptions;
  /** Quiet period after the last relevant event before building. */
  holdoffDelayMs: number;
  /** Upper bound from the first pending event to the build. */
  holdoffMaxDelayMs: number;
  logger: Logger;
  /** Called after every published build (the status writer listens here). */
  onBuild?: (result: BuildResult) => void;
  /** Adds resources derived from the DAG (proxyless gRPC listeners) before each publish. */
  extend?: (resources: SnapshotResources, dag: Dag) => SnapshotResources;
  /** Opens the xDS port: awaited after the first build is in the cache and before SERVING. */
  openServing?: () => Promise<void>;
  /**
   * Optional incremental engine (src/dag/incremental-engine.ts): replaces buildDag + translate per
   * build, decides per event whether it is relevant, and sends EndpointSlice changes straight to EDS.
   * Without it every change triggers a full build.
   */
  engine?: IncrementalEngine;
  /** Creates that engine from buildOptions and translateOptions (what `contour serve` uses). */
  incremental?: boolean;
}

export interface Pipeline {
  /** Starts every source, waits for all to sync, publishes the first build. Resolves in SERVING. */
  start(): Promise<void>;
  /** Stops the sources and any pending build. */
  stop(): Promise<void>;
  /** The latest build's result. */
  lastBuild(): BuildResult | undefined;
  /** Builds now, skipping the holdoff (used on sync and by tests). */
  buildNow(reason: string): void;
}

const buildsTotal = new Counter({
  name: 'contour_dag_builds_total',
  help: 'Builds of the DAG, by what triggered them',
  labelNames: ['trigger'],
  registers: [metricsRegistry],
});
const buildSeconds = new Histogram({
  name: 'contour_dag_build_duration_seconds',
  help: 'Time to build the DAG and translate it to Envoy resources',
  buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
  registers: [metricsRegistry],
});

const configStates = new WeakMap<BuildResult, ConfigState>();

/** Whether the build holds routing config, and whether any object was rejected. */
export const configStateOf = (result: BuildResult): ConfigState => {
  let state = configStates.get(result);
  if (state === undefined) {
    state = computeConfigState(result);
    configStates.set(result, state);
  }
  return state;
};

// Every status is looked at: memoized above, since EndpointSlice events ask again without a build.
const computeConfigState = (result: BuildResult): ConfigState => {
  const rejected = result.statuses.some(
    (status) =>
      status.currentStatus === 'invalid' ||
      status.conditions.some((condition) => condition.type === 'Valid' && condition.status === 'False'),
  );
  if (rejected) return 'degraded';
  const { dag } = result;
  return dag.httpVirtualHosts.length === 0 && dag.httpsVirtualHosts.length === 0 ? 'empty' : 'valid';
};

/** Creates the event loop. */
export const createPipeline = (options: PipelineOptions): Pipeline => {
  const { store, cache, readiness, logger } = options;
  const engine =
    options.engine ??
    (options.incremental
      ? createIncrementalEngine(store, options.buildOptions, options.translateOptions)
      : undefined);
  let last: BuildResult | undefined;
  let timer: NodeJS.Timeout | undefined;
  let firstPendingAt: number | undefined;
  let initialBuildDone = false;
  let firstBuilt = false;
  // Set when a change arrives after the first build but before SERVING.
  let changedSinceFirstBuild = false;
  let stopped = false;

  const build = (trigger: string): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    firstPendingAt = undefined;
    const end = buildSeconds.startTimer();
    const { result, resources } = engine
      ? engine.build()
      : (() => {
          const built = buildDag(store, options.buildOptions);
          const translated: SnapshotResources = translate(built.dag, store, options.translateOptions);
          return { result: built, resources: translated };
        })();
    cache.publish(options.extend ? options.extend(resources, result.dag) : resources);
    recordDagRebuild(end());
    buildsTotal.inc({ trigger });
    last = result;
    const snapshot = { version: cache.version(), hash: cache.hash() };
    const config = configStateOf(result);
    // The first build's readiness is reported by start(), once the xDS port is open.
    if (initialBuildDone) readiness.updated(config, snapshot);
    logger.debug({ trigger, version: snapshot.version, config }, 'build published');
    try {
      options.onBuild?.(result);
    } catch (error) {
      logger.error({ error: (error as Error).message }, 'build listener failed');
    }
  };

  // Holdoff: wait for a quiet period, but never longer than the max delay after the first pending event.
  const schedule = (): void => {
    if (stopped) return;
    if (!initialBuildDone) {
      // Before SERVING the unconditional first build covers everything delivered before it.
      if (firstBuilt) changedSinceFirstBuild = true;
      return;
    }
    const now = Date.now();
    firstPendingAt ??= now;
    const untilMax = options.holdoffMaxDelayMs - (now - firstPendingAt);
    const wait = Math.max(0, Math.min(options.holdoffDelayMs, untilMax));
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => build('change'), wait);
  };

  const sinkFor = (source: Source): SourceSink => {
    let synced = false;
    return {
      apply(events: StoreEvent[]) {
        if (stopped) return;
        let changed = false;
        let endpointsChanged = false;
        for (const event of events) {
          if (!store.apply(event)) continue;
          if (!engine) {
            changed = true;
            continue;
          }
          const ref = event.type === 'delete' ? event.ref : refOf(event.object);
          const effect = engine.noteChange(ref);
          if (effect === 'build') changed = true;
          else if (effect === 'endpoints') endpointsChanged = true;
        }
        // EDS outside the build, once the first build has published clusters to attach endpoints to.
        if (endpointsChanged && firstBuilt && !stopped && engine && cache.publishEndpoints) {
          const changes = cache.patchEndpoints ? engine.endpointChanges() : undefined;
          if (changes) cache.patchEndpoints!(changes.upserted, [], changes.list);
          else cache.publishEndpoints(engine.endpoints());
          if (initialBuildDone && last) {
            readiness.updated(configStateOf(last), { version: cache.version(), hash: cache.hash() });
          }
        }
        if (changed) schedule();
      },
      synced() {
        if (synced) return;
        synced = true;
        readiness.sourceSynced(source.name);
      },
      problems(current) {
        readiness.setSourceProblems(source.name, current);
      },
      stale(isStale: boolean) {
        readiness.sourceStale(source.name, isStale);
        logger.warn(
          { source: source.name, stale: isStale },
          isStale ? 'source is stale' : 'source recovered',
        );
      },
    };
  };

  return {
    async start() {
      for (const source of options.sources) {
        readiness.sourceStarted(source.name);
        await source.start(sinkFor(source));
      }
      await readiness.allSynced();
      if (stopped) return;
      // The one unconditional build: whatever exists (even nothing) is published.
      build('initial');
      firstBuilt = true;
      await options.openServing?.();
      initialBuildDone = true;
      // A change that arrived while the port opened is built now (schedule() held it back).
      if (changedSinceFirstBuild) build('change');
      readiness.published(configStateOf(last!), { version: cache.version(), hash: cache.hash() });
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await Promise.all(options.sources.map((source) => source.stop()));
    },
    lastBuild: () => last,
    buildNow: (reason: string) => build(reason),
  };
};
