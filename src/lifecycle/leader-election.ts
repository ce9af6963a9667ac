// Leader election on a coordination.k8s.io/v1 Lease, with client-go's semantics:
// - every write carries the resourceVersion we read (optimistic concurrency; a 409 means we lost
//   the race and try again later);
// - a lease is judged expired by OUR clock: the time we last saw its record change, plus its
//   duration. The holder's renewTime is never compared with our clock, so clock skew between
//   replicas cannot make two of them leaders;
// - the leader renews every retry period and steps down if it could not renew for the renew
//   deadline; on stop it releases the lease (empty holder, 1 s duration) so a successor takes
//   over at once instead of waiting for expiry.
import { Gauge } from 'prom-client';
import type { KubeClient } from '../sources/kubernetes/client.js';
import { isApiStatus } from '../sources/kubernetes/client.js';
import type { Logger } from '../util/logger.js';
import { metricsRegistry } from '../util/metrics.js';

export interface LeaderElectionOptions {
  client: KubeClient;
  namespace: string;
  name: string;
  /** This replica's identity ($POD_NAME, else hostname plus a random suffix). */
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  logger: Logger;
  onStartedLeading?: () => void;
  onStoppedLeading?: () => void;
  /** Called when the observed holder changes (including to ourselves). */
  onNewLeader?: (identity: string) => void;
}

export interface LeaderElection {
  isLeader(): boolean;
  /** The holder we last observed ('' when none). */
  currentLeader(): string;
  /** Stops campaigning; a leader releases the Lease first. */
  stop(): Promise<void>;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
const microTime = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

const leaderGauge = new Gauge({
  name: 'contour_leader',
  help: '1 while this replica holds the leader-election Lease',
  registers: [metricsRegistry],
});

const wait = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(finish, ms);
    function finish(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      resolve();
    }
    signal.addEventListener('abort', finish);
  });

// client-go waits retryPeriod × (1 + up to 1.2) between acquisition attempts.
const jittered = (ms: number): number => ms * (1 + Math.random() * 1.2);

/** Validates timings the way client-go does; throws a clear message (these come from flags). */
export const validateLeaderElectionTimings = (leaseMs: number, renewMs: number, retryMs: number): void => {
  if (!(leaseMs > renewMs))
    throw new Error('leader election: lease duration must be greater than renew deadline');
  if (!(renewMs > retryMs * 1.2))
    throw new Error('leader election: renew deadline must be greater than 1.2 × retry period');
  if (!(retryMs > 0)) throw new Error('leader election: retry period must be positive');
};

/** Starts campaigning for the Lease in the background. */
export const startLeaderElection = (options: LeaderElectionOptions): LeaderElection => {
  validateLeaderElectionTimings(options.leaseDurationMs, options.renewDeadlineMs, options.retryPeriodMs);
  const log = options.logger.child({
    lease: `${options.namespace}/${options.name}`,
    identity: options.identity,
  });
  const controller = new AbortController();
  const path = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(options.namespace)}/leases/${encodeURIComponent(options.name)}`;
  let leading = false;
  let observedHolder = '';
  let observedRecord = '';
  let observedAt = 0;
  let lastLease: Lease | undefined;

  const observe = (lease: Lease | undefined): void => {
    const record = JSON.stringify(lease?.spec ?? {});
    if (record !== observedRecord) {
      observedRecord = record;
      observedAt = Date.now();
    }
    const holder = lease?.spec?.holderIdentity ?? '';
    if (holder !== observedHolder) {
      observedHolder = holder;
      if (holder) log.info({ leader: holder }, 'new leader observed');
      try {
        options.onNewLeader?.(holder);
      } catch (error) {
        log.error({ err: error }, 'onNewLeader callback failed');
      }
    }
  };

  const setLeading = (value: boolean): void => {
    if (leading === value) return;
    leading = value;
    leaderGauge.set(value ? 1 : 0);
    log.info(value ? 'became leader' : 'stopped leading');
    try {
      if (value) options.onStartedLeading?.();
      else options.onStoppedLeading?.();
    } catch (error) {
      log.error({ err: error }, 'leadership callback failed');
    }
  };

  const record = (previous: LeaseSpec | undefined, now: number): LeaseSpec => {
    const ours = previous?.holderIdentity === options.identity;
    return {
      holderIdentity: options.identity,
      leaseDurationSeconds: Math.max(1, Math.round(options.leaseDurationMs / 1000)),
      acquireTime: ours && previous?.acquireTime ? previous.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: (previous?.leaseTransitions ?? 0) + (ours ? 0 : 1),
    };
  };

  // One attempt to acquire or renew; true when we hold the lease afterwards.
  const tryAcquireOrRenew = async (): Promise<boolean> => {
    const timeoutMs = options.renewDeadlineMs;
    const now = Date.now();
    let current: Lease | undefined;
    try {
      current = await options.client.request<Lease>({
        method: 'GET',
        path,
        timeoutMs,
        signal: controller.signal,
      });
    } catch (error) {
      if (!isApiStatus(error, 404)) throw error;
    }
    if (!current) {
      const created = await options.client.request<Lease>({
        method: 'POST',
        path: path.slice(0, path.lastIndexOf('/')),
        body: {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: options.name, namespace: options.namespace },
          spec: { ...record(undefined, now), leaseTransitions: 0 },
        },
        timeoutMs,
        signal: controller.signal,
      });
      lastLease = created;
      observe(created);
      return true;
    }
    observe(current);
    const holder = current.spec?.holderIdentity ?? '';
    const durationMs = (current.spec?.leaseDurationSeconds ?? 0) * 1000;
    if (holder && holder !== options.identity && observedAt + durationMs > Date.now()) return false;
    const updated = await options.client.request<Lease>({
      method: 'PUT',
      path,
      body: { ...current, spec: record(current.spec, now) },
      timeoutMs,
      signal: controller.signal,
    });
    lastLease = updated;
    observe(updated);
    return true;
  };

  const attempt = async (): Promise<boolean> => {
    try {
      return await tryAcquireOrRenew();
    } catch (error) {
      if (controller.signal.aborted) return false;
      if (isApiStatus(error, 409)) log.debug('lease changed under us (conflict)');
      else log.warn({ err: (error as Error).message }, 'lease acquire/renew failed');
      return false;
    }
  };

  const campaign = async (): Promise<void> => {
    while (!controller.signal.aborted) {
      // Acquire: try every (jittered) retry period until we hold the lease.
      while (!controller.signal.aborted && !(await attempt())) {
        await wait(jittered(options.retryPeriodMs), controller.signal);
      }
      if (controller.signal.aborted) return;
      setLeading(true);
      // Renew: every retry period; step down if no renewal succeeded within the renew deadline.
      let lastRenew = Date.now();
      while (!controller.signal.aborted) {
        await wait(options.retryPeriodMs, controller.signal);
        if (controller.signal.aborted) return;
        if (await attempt()) {
          lastRenew = Date.now();
          continue;
        }
        if (observedHolder !== options.identity || Date.now() - lastRenew >= options.renewDeadlineMs) break;
      }
      log.warn('leadership lost: could not renew the lease within the renew deadline');
      setLeading(false);
    }
  };

  const release = async (): Promise<void> => {
    if (!leading || !lastLease) return;
    try {
      const current = await options.client.request<Lease>({ method: 'GET', path, timeoutMs: 5000 });
      if (current.spec?.holderIdentity !== options.identity) return;
      const now = Date.now();
      await options.client.request({
        method: 'PUT',
        path,
        body: {
          ...current,
          spec: {
            holderIdentity: '',
            leaseDurationSeconds: 1,
            acquireTime: microTime(now),
            renewTime: microTime(now),
            leaseTransitions: current.spec?.leaseTransitions ?? 0,
          },
        },
        timeoutMs: 5000,
      });
      log.info('released the lease');
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'could not release the lease; it will expire');
    }
  };

  const running = campaign().catch((error: unknown) =>
    log.error({ err: error }, 'leader election loop failed'),
  );

  return {
    isLeader: () => leading,
    currentLeader: () => observedHolder,
    async stop(): Promise<void> {
      controller.abort();
      await running;
      await release();
      setLeading(false);
    },
  };
};
