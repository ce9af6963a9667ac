// Kubernetes mode's write side, started by `contour serve`: leader election, the status writer,
// and the load-balancer address (static or from the Envoy Service). Builds feed it statuses;
// only the Lease holder (or every replica with leader election disabled) writes them.
import type { Ingress, LoadBalancerStatus } from '../apis/kubernetes.js';
import type { ObjectRef } from '../apis/meta.js';
import { ingressClassMatches } from '../dag/context.js';
import { type LeaderElection, type LeaderElectionOptions, startLeaderElection } from './leader-election.js';
import type { KubeClient } from '../sources/kubernetes/client.js';
import type { StoreView } from '../store/store.js';
import type { Logger } from '../util/logger.js';
import { parseIngressStatusAddress, watchEnvoyService } from '../status/load-balancer.js';
import type { ObjectStatus } from '../apis/status.js';
import { createStatusWriter } from '../status/writer.js';

export interface StatusControllerOptions {
  client: KubeClient;
  logger: Logger;
  /** The event loop's store: current objects (with the status the informer saw). */
  store: StoreView;
  ingressClassNames: string[];
  /** --ingress-status-address; when set, the Envoy Service is not watched. */
  ingressStatusAddress?: string;
  envoyService: { namespace: string; name: string };
  /** The Lease to contend for (as leader election takes it), or `disabled`: this replica always leads. */
  leaderElection: { disabled: boolean } & Pick<
    LeaderElectionOptions,
    'namespace' | 'name' | 'identity' | 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs'
  >;
  /** Told whenever this replica gains or loses leadership (for /readyz). */
  onLeaderChange?: (leader: boolean) => void;
}

export interface StatusController {
  /** Hands over a build's statuses; never blocks. */
  onBuild(statuses: ObjectStatus[]): void;
  isLeader(): boolean;
  /** Stops writing, releases the Lease, stops watching the Envoy Service. */
  stop(): Promise<void>;
}

/** The Ingresses this instance serves (by class), whose status gets the load-balancer address. */
export const servedIngresses = (store: StoreView, ingressClassNames: string[]): ObjectRef[] =>
  store
    .list<Ingress>('Ingress')
    .filter((ingress) =>
      ingressClassMatches(ingress.metadata.annotations, ingress.spec?.ingressClassName, ingressClassNames),
    )
    .map((ingress) => ({
      kind: 'Ingress',
      namespace: ingress.metadata.namespace ?? '',
      name: ingress.metadata.name,
    }));

/** Starts leader election (unless disabled), the status writer and the load-balancer source. */
export const startStatusController = (options: StatusControllerOptions): StatusController => {
  const log = options.logger;
  const writer = createStatusWriter({
    client: options.client,
    logger: log,
    currentObject: (kind, namespace, name) => options.store.get(kind, namespace, name),
  });
  let leader = false;
  const setLeader = (value: boolean): void => {
    leader = value;
    writer.setLeader(value);
    options.onLeaderChange?.(value);
  };

  let stopEnvoyWatch: (() => Promise<void>) | undefined;
  if (options.ingressStatusAddress) {
    writer.setLoadBalancer(parseIngressStatusAddress(options.ingressStatusAddress));
  } else {
    stopEnvoyWatch = watchEnvoyService({
      client: options.client,
      namespace: options.envoyService.namespace,
      name: options.envoyService.name,
      logger: log,
      onChange: (status: LoadBalancerStatus) => writer.setLoadBalancer(status),
    });
  }

  let election: LeaderElection | undefined;
  const le = options.leaderElection;
  if (le.disabled) {
    // Contour's behaviour: without leader election every replica acts as the leader.
    setLeader(true);
  } else {
    election = startLeaderElection({
      client: options.client,
      namespace: le.namespace,
      name: le.name,
      identity: le.identity,
      leaseDurationMs: le.leaseDurationMs,
      renewDeadlineMs: le.renewDeadlineMs,
      retryPeriodMs: le.retryPeriodMs,
      logger: log,
      onStartedLeading: () => setLeader(true),
      onStoppedLeading: () => setLeader(false),
    });
  }

  return {
    onBuild(statuses) {
      writer.update(statuses, servedIngresses(options.store, options.ingressClassNames));
    },
    isLeader: () => leader,
    async stop() {
      await writer.stop();
      await election?.stop();
      await stopEnvoyWatch?.();
    },
  };
};
