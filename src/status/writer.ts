// The status writer (leader only): keeps the status subresources of HTTPProxies,
// ExtensionServices and Ingresses equal to what the latest build computed.
// - update() only records the desired state and queues keys whose desired state changed; a
//   small worker pool does the I/O, so the build loop never waits on the API server.
// - Before writing, the desired status is compared with the object as the informer saw it (or,
//   right after our own write, as we wrote it): equal means no request at all.
// - Writes are updates (PUT) of /status carrying the resourceVersion they were computed
//   against (Contour's RBAC grants `update`, not `patch`); a 409 re-reads the object and tries again.
// - Followers record desired state but never write; becoming leader queues every object once.
import { Counter } from 'prom-client';
import type { LoadBalancerStatus } from '../apis/kubernetes.js';
import type { KubeObject, ObjectRef } from '../apis/meta.js';
import { metricsRegistry } from '../util/metrics.js';
import { recordStatusConflict, recordStatusUpdate } from '../util/contour-metrics.js';
import { isApiStatus, type KubeClient } from '../sources/kubernetes/client.js';
import { backoffDelay, defaultReflectorTiming, sleep } from '../sources/kubernetes/reflector.js';
import { objectPath, resourceTypes } from '../sources/kubernetes/resources.js';
import type { Logger } from '../util/logger.js';
import { desiredStatusOf, type OwnedStatus, statusMatches, statusReplacement } from './desired.js';
import type { ObjectStatus } from '../apis/status.js';

export interface StatusWriterOptions {
  client: KubeClient;
  logger: Logger;
  /** The object as the informer last saw it (status included), or undefined if unknown. */
  currentObject: (kind: string, namespace: string, name: string) => KubeObject | undefined;
  /** Concurrent requests at most (default 8). */
  concurrency?: number;
  /** Attempts per object before giving up until its desired status changes again (default 5). */
  maxAttempts?: number;
}

export interface StatusWriter {
  /** Records the latest build's statuses and the Ingresses this instance serves. Never blocks. */
  update(statuses: ObjectStatus[], ingresses?: ObjectRef[]): void;
  /** The load-balancer address to report (undefined = leave status.loadBalancer alone). */
  setLoadBalancer(status: LoadBalancerStatus | undefined): void;
  /** Leadership changed; gaining it reconciles every object once. */
  setLeader(isLeader: boolean): void;
  /** Resolves once nothing is queued or in flight (for tests and shutdown). */
  idle(): Promise<void>;
  /** Stops writing; in-flight requests finish. */
  stop(): Promise<void>;
}

const writes = new Counter({
  name: 'contour_status_writes_total',
  help: 'Status subresource writes, by kind and result (written, noop, conflict, failed)',
  labelNames: ['kind', 'result'],
  registers: [metricsRegistry],
});

interface Target {
  ref: ObjectRef;
  desired: OwnedStatus;
  /** JSON of desired, to detect changes cheaply. */
  fingerprint: string;
}

interface Written {
  /** The resourceVersion the patch was computed against, and the one it produced. */
  basedOn: string;
  produced: string;
  status: OwnedStatus;
}

const keyOf = (ref: ObjectRef): string => `${ref.kind}/${ref.namespace}/${ref.name}`;

const pathOf = (ref: ObjectRef): string => {
  const resource = resourceTypes.find((r) => r.kind === ref.kind);
  if (!resource) throw new Error(`no status path for kind ${ref.kind}`);
  return `${objectPath(resource, ref.namespace, ref.name)}/status`;
};

/** Creates a status writer; it writes nothing until setLeader(true). */
export const createStatusWriter = (options: StatusWriterOptions): StatusWriter => {
  const log = options.logger.child({ component: 'status-writer' });
  const concurrency = options.concurrency ?? 8;
  const maxAttempts = options.maxAttempts ?? 5;
  const controller = new AbortController();
  const targets = new Map<string, Target>();
  const written = new Map<string, Written>();
  const queue = new Set<string>();
  const inFlight = new Set<string>();
  let statuses: ObjectStatus[] = [];
  let ingresses: ObjectRef[] = [];
  let loadBalancer: LoadBalancerStatus | undefined;
  let leader = false;
  let idleWaiters: (() => void)[] = [];

  const settleIdle = (): void => {
    if (queue.size > 0 || inFlight.size > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const enqueue = (key: string): void => {
    if (!leader || controller.signal.aborted) return;
    queue.add(key);
    pump();
  };

  // The status as stored: the informer's copy, unless it predates our own last write.
  const storedView = (
    key: string,
    object: KubeObject,
  ): { status: OwnedStatus | undefined; version: string } => {
    const version = object.metadata.resourceVersion ?? '';
    const mine = written.get(key);
    if (mine && mine.basedOn === version) return { status: mine.status, version: mine.produced };
    return { status: object.status as OwnedStatus | undefined, version };
  };

  const fetchObject = async (ref: ObjectRef): Promise<KubeObject | undefined> => {
    try {
      return await options.client.request<KubeObject>({
        method: 'GET',
        path: pathOf(ref).replace(/\/status$/, ''),
        signal: controller.signal,
      });
    } catch (error) {
      if (isApiStatus(error, 404)) return undefined;
      throw error;
    }
  };

  // One update of one object, counted in Contour's status metrics once its outcome is known (an update
  // given up because this replica stopped or lost leadership is not counted).
  const reconcile = async (key: string): Promise<void> => {
    const started = performance.now();
    let failed = false;
    const finish = (kind: string, outcome: 'written' | 'noop' | 'failed'): void =>
      recordStatusUpdate(kind, outcome, (performance.now() - started) / 1000);
    for (let attempt = 0; attempt < maxAttempts && !controller.signal.aborted && leader; attempt++) {
      const target = targets.get(key);
      if (!target) return;
      const { ref, desired } = target;
      try {
        const object =
          attempt === 0 ? options.currentObject(ref.kind, ref.namespace, ref.name) : await fetchObject(ref);
        if (!object) return; // gone (or not seen yet: its arrival triggers a build and a new update)
        const { status, version } = storedView(key, object);
        if (statusMatches(ref.kind, status, desired)) {
          writes.inc({ kind: ref.kind, result: 'noop' });
          finish(ref.kind, 'noop');
          return;
        }
        // An update (PUT) of the status subresource, not a patch: Contour's ClusterRole grants
        // `update` on */status and no `patch`, and its roles must be enough. The resourceVersion
        // precondition makes a concurrent write a 409, as the patch's did.
        const { managedFields: _managedFields, ...metadata } = object.metadata as KubeObject['metadata'] & {
          managedFields?: unknown;
        };
        const replacement: KubeObject = {
          ...object,
          // managedFields left out: the server keeps its own (ours may predate our last write).
          metadata: { ...metadata, resourceVersion: version },
          status: statusReplacement(ref.kind, status, desired, new Date().toISOString()),
        };
        const result = await options.client.request<KubeObject>({
          method: 'PUT',
          path: pathOf(ref),
          body: replacement,
          signal: controller.signal,
        });
        written.set(key, {
          basedOn: version,
          produced: result.metadata.resourceVersion ?? '',
          status: result.status as OwnedStatus,
        });
        writes.inc({ kind: ref.kind, result: 'written' });
        finish(ref.kind, 'written');
        log.debug({ object: key }, 'status written');
        return;
      } catch (error) {
        if (controller.signal.aborted) return;
        if (isApiStatus(error, 409)) {
          writes.inc({ kind: ref.kind, result: 'conflict' });
          recordStatusConflict(ref.kind);
          failed = true;
          continue;
        }
        // Deleted while being updated: as Contour (its Get or Update fails with NotFound), a failed update.
        if (isApiStatus(error, 404)) return finish(ref.kind, 'failed');
        writes.inc({ kind: ref.kind, result: 'failed' });
        failed = true;
        log.warn({ object: key, err: (error as Error).message, attempt }, 'status write failed');
        await sleep(backoffDelay(attempt, defaultReflectorTiming), controller.signal);
      }
    }
    // Every attempt refused (conflicts or errors): the update failed.
    const target = targets.get(key);
    if (failed && target && !controller.signal.aborted && leader) finish(target.ref.kind, 'failed');
  };

  const pump = (): void => {
    while (inFlight.size < concurrency && queue.size > 0 && !controller.signal.aborted) {
      // The first queued key not already being written (no copy of the queue: it can hold every
      // object at a leader change).
      let key: string | undefined;
      for (const candidate of queue) {
        if (!inFlight.has(candidate)) {
          key = candidate;
          break;
        }
      }
      if (key === undefined) break;
      queue.delete(key);
      inFlight.add(key);
      void reconcile(key)
        .catch((error: unknown) => log.error({ err: error, object: key }, 'status reconcile failed'))
        .finally(() => {
          inFlight.delete(key);
          pump();
          settleIdle();
        });
    }
    settleIdle();
  };

  const recompute = (): void => {
    const next = new Map<string, Target>();
    for (const status of statuses) {
      if (status.kind !== 'HTTPProxy' && status.kind !== 'ExtensionService') continue;
      const ref = { kind: status.kind, namespace: status.namespace, name: status.name };
      const desired = desiredStatusOf(status, loadBalancer);
      next.set(keyOf(ref), { ref, desired, fingerprint: JSON.stringify(desired) });
    }
    if (loadBalancer) {
      for (const ref of ingresses) {
        const desired: OwnedStatus = { loadBalancer };
        next.set(keyOf(ref), {
          ref: { ...ref, kind: 'Ingress' },
          desired,
          fingerprint: JSON.stringify(desired),
        });
      }
    }
    for (const [key, target] of next) {
      if (targets.get(key)?.fingerprint !== target.fingerprint) {
        targets.set(key, target);
        enqueue(key);
      }
    }
    for (const key of [...targets.keys()]) {
      if (next.has(key)) continue;
      targets.delete(key);
      written.delete(key);
    }
  };

  return {
    update(nextStatuses, nextIngresses = []) {
      statuses = nextStatuses;
      ingresses = nextIngresses;
      recompute();
    },
    setLoadBalancer(status) {
      loadBalancer = status;
      recompute();
    },
    setLeader(isLeader) {
      if (isLeader === leader) return;
      leader = isLeader;
      if (!isLeader) {
        queue.clear();
        settleIdle();
        return;
      }
      log.info({ objects: targets.size }, 'leader: reconciling the status of every object');
      for (const key of [...targets.keys()].sort()) enqueue(key);
    },
    idle() {
      if (queue.size === 0 && inFlight.size === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    async stop() {
      controller.abort();
      queue.clear();
      await new Promise<void>((resolve) => {
        if (inFlight.size === 0) return resolve();
        idleWaiters.push(resolve);
      });
    },
  };
};
