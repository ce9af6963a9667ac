// The event loop: sources → store → (holdoff) → build → assemble → snapshot cache.
// It is the store's single writer and drives readiness (DESIGN.md §2–3).
import type { BuildOptions, BuildResult } from '../dag/build.js';
import type { TranslateOptions } from '../envoy/options.js';
import type { Dag } from '../dag/types.js';
import type { SecretChecks } from '../certs/secret-checks.js';
import type { Source, SourceSink } from '../sources/source.js';
import { refOf } from '../apis/meta.js';
import type { Store, StoreEvent } from '../store/store.js';
import type { Logger } from '../util/logger.js';
import type { ConfigState, Readiness } from './readiness.js';
import { Counter, Histogram } from 'prom-client';
import { metricsRegistry } from '../util/metrics.js';
import {
  recordCacheHandlerUpdate,
  recordDagRebuild,
  recordEventHandlerOperation,
  setDagCacheObjects,
} from '../util/contour-metrics.js';
import {
  assembleStore,
  createIncrementalEngine,
  type EngineBuild,
  type IncrementalEngine,
  type Rejection,
} from '../assemble/incremental-engine.js';
import type { ClusterLoadAssignment } from '../gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { Publishable, SnapshotResources } from '../xds/cache/snapshot-cache.js';
import { ingestError } from '../apis/ingest-validation.js';
import type { KubeObject } from '../apis/meta.js';
import { createStore } from '../store/store.js';

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
   * The engine (src/assemble/incremental-engine.ts): builds and assembles, decides per event whether it
   * is relevant, and sends EndpointSlice changes straight to EDS. Default: one made from buildOptions
   * and translateOptions, building incrementally when `incremental` is set (what `contour serve` uses)
   * and from scratch on every change otherwise.
   */
  engine?: IncrementalEngine;
  incremental?: boolean;
  /** Secret validations the sources primed (the files source's parser threads), for the engine's builds. */
  secretChecks?: SecretChecks;
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

// How many refused or rejected objects /readyz lists (the rest are counted).
const maxListedRejections = 20;

const rejectedLists = new WeakMap<BuildResult, string[]>();

/** The objects a build rejected, as `Kind namespace/name: reason` (memoized per build). */
const rejectedByBuild = (result: BuildResult): string[] => {
  let list = rejectedLists.get(result);
  if (!list) {
    list = [];
    for (const status of result.statuses) {
      const valid = status.conditions.find((condition) => condition.type === 'Valid');
      if (status.currentStatus !== 'invalid' && valid?.status !== 'False') continue;
      const firstError = valid?.errors?.[0];
      const reason = firstError
        ? `${firstError.reason}: ${firstError.message}`
        : (status.description ?? 'invalid');
      list.push(`${status.kind} ${status.namespace}/${status.name}: ${reason}`);
      if (list.length > maxListedRejections) break;
    }
    rejectedLists.set(result, list);
  }
  return list;
};

const objectName = (object: KubeObject): string => {
  const metadata = (object.metadata ?? {}) as { namespace?: unknown; name?: unknown };
  const text = (value: unknown): string =>
    typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  return `${text(object.kind)} ${text(metadata.namespace ?? '')}/${text(metadata.name ?? '')}`;
};

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

// Validation itself must not throw on any input (a getter, a cycle…): that is a refusal too.
const ingestErrorOf = (object: KubeObject): string | undefined => {
  try {
    return ingestError(object);
  } catch (error) {
    return `cannot be validated: ${errorMessage(error)}`;
  }
};

/** Creates the event loop. */
export const createPipeline = (options: PipelineOptions): Pipeline => {
  const { store, cache, readiness, logger } = options;
  const engine =
    options.engine ??
    createIncrementalEngine(store, options.buildOptions, options.translateOptions, {
      mode: options.incremental ? 'incremental' : 'full',
      secretChecks: options.secretChecks,
    });
  let last: BuildResult | undefined;
  // Resources of the last build withheld because Envoy would reject them; their objects carry the
  // error in their status, but a fault of the options (a listener) has no object to carry it.
  let withheld: Rejection[] = [];
  let timer: NodeJS.Timeout | undefined;
  let firstPendingAt: number | undefined;
  let initialBuildDone = false;
  let firstBuilt = false;
  // Set when a change arrives after the first build but before SERVING.
  let changedSinceFirstBuild = false;
  let stopped = false;
  // Objects refused at ingest (malformed: never stored), by `Kind namespace/name`, with why.
  const refused = new Map<string, string>();
  // Why the last build or EDS update threw, if it did: the last good snapshot stays served.
  let failure: string | undefined;

  /** The served config's state: the last build's, degraded while anything is refused or failing. */
  const currentConfig = (): ConfigState => {
    const state = last ? configStateOf(last) : 'empty';
    return refused.size > 0 || failure !== undefined || withheld.length > 0 ? 'degraded' : state;
  };
  const reportReadiness = (): void => {
    const rejected = [
      ...(failure !== undefined ? [failure] : []),
      ...[...refused.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, why]) => `${name}: ${why}`),
      ...withheld
        .filter((rejection) => rejection.sources.length === 0)
        .map((rejection) => `${rejection.type} ${rejection.name}: Envoy would reject it, not sent`),
      ...(last ? rejectedByBuild(last) : []),
    ];
    const listed = rejected.slice(0, maxListedRejections);
    if (rejected.length > listed.length) listed.push(`… and more (see /debug/status and the logs)`);
    readiness.setRejected(listed);
    if (initialBuildDone)
      readiness.updated(currentConfig(), { version: cache.version(), hash: cache.hash() });
  };

  // A build that throws is a bug of ours, never a reason to exit: every tenant would lose its control
  // plane. It is logged and reported, and the last good snapshot stays served (an empty one if the
  // very first build fails, so readiness can still be reached and the failure seen on /readyz).
  const build = (trigger: string): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    firstPendingAt = undefined;
    const end = buildSeconds.startTimer();
    let built: EngineBuild;
    try {
      built = engine.build();
      const resources: SnapshotResources = built.resources;
      const publishStart = performance.now();
      cache.publish(options.extend ? options.extend(resources, built.result.dag) : resources);
      recordCacheHandlerUpdate((performance.now() - publishStart) / 1000);
      failure = undefined;
    } catch (error) {
      failure = `build failed (the last good configuration is still served): ${errorMessage(error)}`;
      logger.error({ trigger, error: errorMessage(error) }, 'build failed');
      if (!last) {
        const empty = assembleStore(createStore(), options.buildOptions, options.translateOptions);
        cache.publish(empty.resources);
        last = empty.result;
      }
      end();
      reportReadiness();
      return;
    }
    const { result, rejections } = built;
    recordDagRebuild(end());
    buildsTotal.inc({ trigger });
    last = result;
    withheld = rejections;
    for (const rejection of rejections) {
      logger.error(
        {
          type: rejection.type,
          resource: rejection.name,
          violations: rejection.violations,
          objects: rejection.sources.map((source) => `${source.kind}/${source.namespace}/${source.name}`),
        },
        'Envoy would reject this resource: not sent',
      );
    }
    const snapshot = { version: cache.version(), hash: cache.hash() };
    // The first build's readiness is reported by start(), once the xDS port is open.
    reportReadiness();
    logger.debug({ trigger, version: snapshot.version, config: currentConfig() }, 'build published');
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
        let refusalsChanged = false;
        for (const event of events) {
          // Contour counts every change its informers deliver, by operation and kind.
          const kind = event.type === 'delete' ? event.ref.kind : event.object.kind;
          recordEventHandlerOperation(
            event.type === 'delete'
              ? 'delete'
              : store.get(kind, event.object.metadata?.namespace ?? '', event.object.metadata?.name ?? '')
                ? 'update'
                : 'add',
            kind,
          );
          // Malformed objects never reach the store: the previous version (if any) stays, as when the
          // API server refuses an update, and the refusal is logged and shown on /readyz.
          const name =
            event.type === 'delete'
              ? `${event.ref.kind} ${event.ref.namespace}/${event.ref.name}`
              : objectName(event.object);
          const error = event.type === 'upsert' ? ingestErrorOf(event.object) : undefined;
          if (error !== undefined) {
            if (refused.get(name) !== error) {
              refused.set(name, error);
              refusalsChanged = true;
              logger.warn({ object: name, error }, 'object refused');
            }
            continue;
          }
          if (refused.delete(name)) refusalsChanged = true;
          let effect: ReturnType<IncrementalEngine['noteChange']>;
          try {
            if (!store.apply(event)) continue;
            setDagCacheObjects(kind, store.size(kind));
            effect = engine.noteChange(event.type === 'delete' ? event.ref : refOf(event.object));
          } catch (error) {
            // A bug of ours on an odd object must not end the loop: the object is reported, the rest applied.
            refused.set(name, `cannot be stored: ${errorMessage(error)}`);
            refusalsChanged = true;
            changed = true;
            logger.error({ object: name, error: errorMessage(error) }, 'object not applied');
            continue;
          }
          // A target that cannot take endpoints alone gets them with the next build.
          if (effect === 'build') changed = true;
          else if (effect === 'endpoints') {
            if (cache.publishEndpoints) endpointsChanged = true;
            else changed = true;
          }
        }
        // EDS outside the build, once the first build has published clusters to attach endpoints to.
        if (endpointsChanged && firstBuilt && !stopped && cache.publishEndpoints) {
          try {
            const changes = cache.patchEndpoints ? engine.endpointChanges() : undefined;
            if (changes) cache.patchEndpoints!(changes.upserted, [], changes.list);
            else cache.publishEndpoints(engine.endpoints());
          } catch (error) {
            failure = `endpoint update failed (the last good endpoints are still served): ${errorMessage(error)}`;
            logger.error({ error: errorMessage(error) }, 'endpoint update failed');
          }
          refusalsChanged = true;
        }
        if (refusalsChanged && firstBuilt) reportReadiness();
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
      readiness.published(currentConfig(), { version: cache.version(), hash: cache.hash() });
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
