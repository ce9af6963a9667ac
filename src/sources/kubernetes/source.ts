// The Kubernetes source: one supervised list+watch per watched kind (and per namespace with
// --watch-namespaces), an "initial list delivered" signal once every kind has listed, and a
// stale flag while the API server cannot be reached after that.
import { endpointSliceFromV1beta1 } from '../../apis/kubernetes.js';
import type { Logger } from '../../util/logger.js';
import type { Source, SourceSink } from '../source.js';
import {
  createAvailabilityTracker,
  type KindProblem,
  unavailableEffect,
  unavailableMessage,
} from './availability.js';
import { isApiStatus, type KubeClient } from './client.js';
import { resolveVersion } from './discovery.js';
import {
  backoffDelay,
  defaultReflectorTiming,
  type ReflectorTarget,
  type ReflectorTiming,
  runReflector,
  sleep,
} from './reflector.js';
import { apiVersionOf, type ResourceType, resourceTypes } from './resources.js';

export interface KubernetesSourceOptions {
  client: KubeClient;
  /** Namespaces to watch; empty = all namespaces. Cluster-scoped kinds are always watched cluster-wide. */
  watchNamespaces: string[];
  /** Which kinds to watch (default: all of resourceTypes). */
  resources?: readonly ResourceType[];
  timing?: Partial<ReflectorTiming>;
  /** How often a kind whose API is not served (CRD not installed) is looked for again. */
  missingRecheckMs?: number;
  /**
   * Told when a kind cannot be read (CRD not installed, list forbidden or not served), and again
   * with undefined once it can: for /readyz notes and the build's messages.
   */
  onKindProblem?: (kind: string, problem: KindProblem | undefined) => void;
}

/** Where one kind stands, as /readyz details show it. */
export type ResourceState = 'discovering' | 'missing' | 'unavailable' | 'syncing' | 'synced';

export interface KubernetesSourceDetails {
  /** Per kind: its state and the apiVersion it is read from. */
  kinds: Record<string, { state: ResourceState; apiVersion?: string }>;
  /** Kinds skipped because the server does not serve them (e.g. CRDs not installed). */
  missing: string[];
  /** Kinds that cannot be read now (missing, forbidden, not served), with why. */
  unavailable: Record<string, KindProblem>;
  /** Number of list/watch loops currently failing. */
  failingWatches: number;
}

/** The Kubernetes source plus detail for /readyz. */
export interface KubernetesSource extends Source {
  describe(): KubernetesSourceDetails;
}

/** Creates the Kubernetes source (nothing happens until start()). */
export const createKubernetesSource = (
  options: KubernetesSourceOptions,
  logger: Logger,
): KubernetesSource => {
  const log = logger.child({ source: 'kubernetes' });
  const timing: ReflectorTiming = { ...defaultReflectorTiming, ...options.timing };
  const resources = options.resources ?? resourceTypes;
  const recheckMs = options.missingRecheckMs ?? 30_000;
  const namespaces = [...new Set(options.watchNamespaces)].sort();
  const controller = new AbortController();
  const states = new Map<string, { state: ResourceState; apiVersion?: string }>();
  const failing = new Set<string>();
  const loops: Promise<void>[] = [];
  let sink: SourceSink | undefined;
  let syncedAll = false;
  let stale = false;
  let pendingKinds = resources.length;
  const availability = createAvailabilityTracker((kind, problem) => {
    if (!controller.signal.aborted) options.onKindProblem?.(kind, problem);
  });

  const updateStale = (): void => {
    if (!syncedAll || !sink || controller.signal.aborted) return;
    const nowStale = failing.size > 0;
    if (nowStale === stale) return;
    stale = nowStale;
    log.warn(
      { stale, failingWatches: failing.size },
      stale ? 'API server unreachable; serving last config' : 'API server reachable again',
    );
    sink.stale(nowStale);
  };

  const kindSynced = (kind: string): void => {
    pendingKinds -= 1;
    log.info({ kind, state: states.get(kind)?.state }, 'initial list delivered');
    if (pendingKinds === 0 && !syncedAll && sink && !controller.signal.aborted) {
      syncedAll = true;
      sink.synced();
      updateStale();
    }
  };

  const startReflectors = (resource: ResourceType, version: string, onAllSynced: () => void): void => {
    const scopes = resource.namespaced && namespaces.length > 0 ? namespaces : [''];
    let waiting = scopes.length;
    for (const namespace of scopes) {
      const id = `${resource.kind}/${namespace}`;
      const target: ReflectorTarget = {
        kind: resource.kind,
        group: resource.group,
        version,
        plural: resource.plural,
        namespaced: resource.namespaced,
        namespace,
        fieldSelector: resource.fieldSelector,
        convert:
          resource.kind === 'EndpointSlice' && version === 'v1beta1' ? endpointSliceFromV1beta1 : undefined,
      };
      let reported = false;
      const loop = runReflector(
        options.client,
        target,
        {
          onEvents: (events) => sink?.apply(events),
          onSynced: () => {
            if (reported) return;
            reported = true;
            waiting -= 1;
            if (waiting === 0) onAllSynced();
          },
          onHealth: (healthy) => {
            if (healthy) failing.delete(id);
            else failing.add(id);
            updateStale();
          },
          onUnavailable: (unavailable) => {
            const problem = unavailable && {
              reason: unavailable.reason,
              message: unavailableMessage(resource.kind, unavailable, timing.unavailableRecheckMs),
            };
            availability.set(resource.kind, namespace, problem);
            const state = states.get(resource.kind);
            const unreadable = availability.problems().has(resource.kind);
            if (state) states.set(resource.kind, { ...state, state: unreadable ? 'unavailable' : 'synced' });
          },
        },
        log,
        controller.signal,
        timing,
      );
      loops.push(loop);
    }
  };

  // Finds the served version (retrying while the server is unreachable), then watches.
  const superviseResource = async (resource: ResourceType): Promise<void> => {
    const id = `${resource.kind}/discovery`;
    states.set(resource.kind, { state: 'discovering' });
    let attempt = 0;
    let version: string | undefined;
    let reportedMissing = false;
    while (!controller.signal.aborted) {
      let problem: KindProblem | undefined;
      try {
        version = await resolveVersion(options.client, resource, controller.signal);
        failing.delete(id);
        updateStale();
      } catch (error) {
        if (controller.signal.aborted) return;
        if (!isApiStatus(error, 403)) {
          failing.add(id);
          updateStale();
          const delay = backoffDelay(attempt++, timing);
          log.warn(
            { kind: resource.kind, err: (error as Error).message, retryInMs: Math.round(delay) },
            'API discovery failed; retrying',
          );
          await sleep(delay, controller.signal);
          continue;
        }
        // Discovery refused (unusual: Kubernetes lets every authenticated user discover): the kind
        // cannot be read, which must not hold readiness either.
        failing.delete(id);
        problem = {
          reason: 'forbidden',
          message: `${resource.kind} cannot be read: discovery of ${apiVersionOf(resource)} is forbidden; treated as empty and re-checked every ${Math.round(recheckMs / 1000)} s: ${unavailableEffect(resource.kind)}`,
        };
      }
      attempt = 0;
      if (version) break;
      problem ??= {
        reason: 'not_served',
        message: resource.custom
          ? `the ${resource.kind} CRD (${apiVersionOf(resource)}) is not installed; ${resource.kind} objects are ignored until it is`
          : `the API server does not serve ${resource.kind} (${apiVersionOf(resource)}); it is ignored: ${unavailableEffect(resource.kind)}`,
      };
      if (!reportedMissing) {
        reportedMissing = true;
        states.set(resource.kind, { state: 'missing' });
        const level = problem.reason === 'forbidden' ? 'error' : 'warn';
        log[level]({ kind: resource.kind, apiVersion: apiVersionOf(resource), verb: 'get' }, problem.message);
        availability.set(resource.kind, 'discovery', problem);
        // A kind that cannot be read is synced-empty: readiness must not wait for it.
        kindSynced(resource.kind);
      }
      await sleep(recheckMs, controller.signal);
    }
    if (!version || controller.signal.aborted) return;
    const apiVersion = resource.group ? `${resource.group}/${version}` : version;
    if (reportedMissing) {
      log.info({ kind: resource.kind, apiVersion }, 'API appeared; watching it now');
      availability.set(resource.kind, 'discovery', undefined);
    }
    states.set(resource.kind, { state: reportedMissing ? 'synced' : 'syncing', apiVersion });
    startReflectors(resource, version, () => {
      if (reportedMissing) return;
      const state = states.get(resource.kind);
      if (state?.state === 'syncing') states.set(resource.kind, { state: 'synced', apiVersion });
      kindSynced(resource.kind);
    });
  };

  return {
    name: 'kubernetes',
    start(target: SourceSink): Promise<void> {
      if (sink) return Promise.reject(new Error('kubernetes source already started'));
      sink = target;
      log.info(
        { namespaces: namespaces.length ? namespaces : 'all', server: options.client.server },
        'starting',
      );
      if (pendingKinds === 0) {
        syncedAll = true;
        target.synced();
      }
      for (const resource of resources) loops.push(superviseResource(resource));
      return Promise.resolve();
    },
    async stop(): Promise<void> {
      controller.abort();
      // Loops take new entries while discovery finishes; wait until the list stops growing.
      let settled = 0;
      while (settled < loops.length) {
        const batch = loops.slice(settled);
        settled = loops.length;
        await Promise.allSettled(batch);
      }
    },
    describe(): KubernetesSourceDetails {
      const kinds: KubernetesSourceDetails['kinds'] = {};
      for (const resource of resources)
        kinds[resource.kind] = states.get(resource.kind) ?? { state: 'discovering' };
      return {
        kinds,
        missing: resources
          .filter((r) => states.get(r.kind)?.state === 'missing')
          .map((r) => r.kind)
          .sort(),
        unavailable: Object.fromEntries(availability.problems()),
        failingWatches: failing.size,
      };
    },
  };
};
