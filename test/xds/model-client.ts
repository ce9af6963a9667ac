// A model of Envoy on one ADS stream (SotW or delta): wildcard CDS/LDS, subscribes to the EDS, RDS and SDS
// names its clusters and listeners refer to (before ACKing the response that made it want them, as Envoy
// does), NACKs responses holding a resource marked bad, and checks after every message that what it holds
// never refers to what it lacks. Its reference reading is written here, independently of the server's.
// It may also start as an Envoy that already knows names (a restart, a reconnect): subscribing to every
// type in its first requests, before anything is ACKed.
import { toBinary, type Message } from '@bufbuild/protobuf';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import type * as grpc from '@grpc/grpc-js';
import { typeUrls, type ResourceType } from '../../src/envoy/resources.js';
import { Cluster_DiscoveryType, type Cluster } from '../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { Listener } from '../../src/gen/envoy/config/listener/v3/listener_pb.js';
import type { RouteConfiguration } from '../../src/gen/envoy/config/route/v3/route_pb.js';
import { HttpConnectionManagerSchema } from '../../src/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { TcpProxySchema } from '../../src/gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import { DownstreamTlsContextSchema } from '../../src/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import type {
  DeltaDiscoveryResponse,
  DiscoveryResponse,
} from '../../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import { resourceSchemas, resourceTypeOfUrl, shortHash } from '../../src/xds/cache/cached-resource.js';
import type { SnapshotCache } from '../../src/xds/cache/snapshot-cache.js';
import { envoyRegistry } from '../../src/envoy/registry.js';
import { openDelta, openSotw, type DeltaStream, type SotwStream } from './client.js';

type Held = Map<string, Message>;

/** Marks a resource the model client rejects: a cluster whose connect timeout is 99 s. */
export const isBad = (type: ResourceType, message: Message): boolean =>
  type === 'cluster' && (message as Cluster).connectTimeout?.seconds === 99n;

const nameOf = (type: ResourceType, message: Message): string =>
  type === 'endpoint'
    ? (message as unknown as { clusterName: string }).clusterName
    : (message as unknown as { name: string }).name;

/** The EDS name of a cluster, if it uses EDS. */
const edsNameOf = (cluster: Cluster): string | undefined =>
  cluster.clusterDiscoveryType.case === 'type' &&
  cluster.clusterDiscoveryType.value === Cluster_DiscoveryType.EDS
    ? cluster.edsClusterConfig?.serviceName || cluster.name
    : undefined;

const routeClusters = (route: RouteConfiguration): string[] =>
  route.virtualHosts.flatMap((vh) =>
    vh.routes.flatMap((r) => {
      if (r.action.case !== 'route') return [];
      const action = r.action.value;
      const direct = action.clusterSpecifier.case === 'cluster' ? [action.clusterSpecifier.value] : [];
      return [...direct, ...action.requestMirrorPolicies.map((m) => m.cluster)];
    }),
  );

const listenerRefs = (listener: Listener) => {
  const routes: string[] = [];
  const clusters: string[] = [];
  const secrets: string[] = [];
  for (const chain of listener.filterChains) {
    for (const filter of chain.filters) {
      if (filter.configType.case !== 'typedConfig') continue;
      const hcm = anyUnpack(filter.configType.value, HttpConnectionManagerSchema);
      if (hcm?.routeSpecifier.case === 'rds') routes.push(hcm.routeSpecifier.value.routeConfigName);
      const tcp = anyUnpack(filter.configType.value, TcpProxySchema);
      if (tcp?.clusterSpecifier.case === 'cluster') clusters.push(tcp.clusterSpecifier.value);
    }
    const socket = chain.transportSocket?.configType;
    if (socket?.case === 'typedConfig') {
      const tls = anyUnpack(socket.value, DownstreamTlsContextSchema);
      for (const sds of tls?.commonTlsContext?.tlsCertificateSdsSecretConfigs ?? []) secrets.push(sds.name);
    }
  }
  return { routes, clusters, secrets };
};

export interface ModelClient {
  readonly violations: string[];
  /** Responses received, NACKs sent. */
  readonly stats: { responses: number; nacks: number };
  /** Resolves once the client holds exactly what the cache says it should (or a violation was seen). */
  converged(cache: SnapshotCache): Promise<void>;
  close(): void;
}

/** The RDS, EDS and SDS names a client subscribes to in its first requests, before it holds anything. */
export type InitialNames = ReadonlyMap<'route' | 'endpoint' | 'secret', readonly string[]>;

/** Opens an ADS stream and behaves like Envoy on it (subscribing to `initialNames` at once, if given). */
export const startModelClient = (
  client: grpc.Client,
  variant: 'sotw' | 'delta',
  nodeId: string,
  initialNames?: InitialNames,
): ModelClient => {
  const held = new Map<ResourceType, Held>(
    (['listener', 'route', 'cluster', 'endpoint', 'secret'] as ResourceType[]).map((t) => [t, new Map()]),
  );
  const wanted = new Map<ResourceType, Set<string>>([
    ['endpoint', new Set()],
    ['route', new Set()],
    ['secret', new Set()],
  ]);
  // Types the client accepted a response of: until then, it wants the names it started with.
  const accepted = new Set<ResourceType>();
  const lastNonce = new Map<ResourceType, string>();
  const acceptedVersion = new Map<ResourceType, string>();
  const violations: string[] = [];
  // Recent traffic, printed with the first violation when XDS_TRACE is set (for debugging a failure).
  const trace: string[] = [];
  const note = (line: string) => {
    trace.push(line);
    if (trace.length > 40) trace.shift();
  };
  const reportOnce = () => {
    if (process.env.XDS_TRACE && violations.length > 0 && trace.length > 0) {
      console.error(trace.join('\n') + '\n' + violations.join('\n'));
      trace.length = 0;
    }
  };
  const stats = { responses: 0, nacks: 0 };
  let wake: () => void = () => undefined;

  const sotw: SotwStream | undefined = variant === 'sotw' ? openSotw(client) : undefined;
  const delta: DeltaStream | undefined = variant === 'delta' ? openDelta(client) : undefined;

  /** Names the client's resources refer to (and, if `withInitial`, names it started with and still wants). */
  const desiredNames = (withInitial = true): Map<ResourceType, Set<string>> => {
    const endpoints = new Set<string>();
    const routes = new Set<string>();
    const secrets = new Set<string>();
    for (const cluster of held.get('cluster')!.values()) {
      const eds = edsNameOf(cluster as Cluster);
      if (eds) endpoints.add(eds);
    }
    for (const listener of held.get('listener')!.values()) {
      const refs = listenerRefs(listener as Listener);
      refs.routes.forEach((r) => routes.add(r));
      refs.secrets.forEach((s) => secrets.add(s));
    }
    // Names known from the start stay wanted until the client holds what refers to them.
    const initially = (type: 'route' | 'endpoint' | 'secret', into: Set<string>, referrer: ResourceType) => {
      if (withInitial && !accepted.has(referrer))
        for (const name of initialNames?.get(type) ?? []) into.add(name);
    };
    initially('endpoint', endpoints, 'cluster');
    initially('route', routes, 'listener');
    initially('secret', secrets, 'listener');
    return new Map([
      ['endpoint', endpoints],
      ['route', routes],
      ['secret', secrets],
    ]);
  };

  /**
   * The invariants: nothing held refers to a cluster not held; a route or listener just received that
   * routes to an EDS cluster comes after that cluster's endpoints.
   */
  const check = (context: string, type: ResourceType, received: readonly Message[]): void => {
    const clusters = held.get('cluster')!;
    const referencedBy = (message: Message, messageType: ResourceType): string[] =>
      messageType === 'route'
        ? routeClusters(message as RouteConfiguration)
        : messageType === 'listener'
          ? listenerRefs(message as Listener).clusters
          : [];
    for (const messageType of ['route', 'listener'] as ResourceType[]) {
      for (const message of held.get(messageType)!.values()) {
        for (const name of referencedBy(message, messageType)) {
          if (!clusters.has(name))
            violations.push(`${context}: refers to cluster ${name} the client does not have`);
        }
      }
    }
    for (const message of received) {
      for (const name of referencedBy(message, type)) {
        const cluster = clusters.get(name) as Cluster | undefined;
        const eds = cluster ? edsNameOf(cluster) : undefined;
        if (eds && !held.get('endpoint')!.has(eds)) {
          violations.push(`${context}: routes to EDS cluster ${name} before its endpoints ${eds}`);
        }
      }
    }
  };

  const checkRemovals = (type: ResourceType, removed: readonly string[], context: string): void => {
    // A name subscribed only because the client started with it is referred to by nothing it holds:
    // the server may report it removed (it is gone from the snapshot) before the referrers arrive.
    const desired = desiredNames(false);
    for (const name of removed) {
      if (desired.get(type)?.has(name))
        violations.push(`${context}: removed ${type} ${name} still referred to`);
    }
  };

  /** Sends subscription changes (before the ACK that caused them, as Envoy does). */
  const resubscribe = (): void => {
    const desired = desiredNames();
    for (const [type, names] of desired) {
      const before = wanted.get(type)!;
      const added = [...names].filter((n) => !before.has(n)).sort();
      const removed = [...before].filter((n) => !names.has(n)).sort();
      if (added.length === 0 && removed.length === 0) continue;
      wanted.set(type, names);
      // An unsubscribed resource is dropped by the client itself.
      for (const name of removed) held.get(type)!.delete(name);
      note(`-> ${type} +[${added.join(' ')}] -[${removed.join(' ')}]`);
      if (sotw) {
        sotw.send({
          typeUrl: typeUrls[type],
          resourceNames: [...names].sort(),
          responseNonce: lastNonce.get(type) ?? '',
          versionInfo: acceptedVersion.get(type) ?? '',
        });
      } else {
        delta!.send({
          typeUrl: typeUrls[type],
          resourceNamesSubscribe: added,
          resourceNamesUnsubscribe: removed,
        });
      }
    }
  };

  const onSotw = (response: DiscoveryResponse): void => {
    stats.responses += 1;
    const type = resourceTypeOfUrl.get(response.typeUrl)!;
    lastNonce.set(type, response.nonce);
    const resources = response.resources.map((any) => anyUnpack(any, envoyRegistry)!);
    note(
      `<- ${type} ${response.nonce} [${resources.map((r) => nameOf(type, r) + (type === 'route' ? '>' + routeClusters(r as RouteConfiguration).join('+') : '')).join(' ')}]`,
    );
    if (resources.some((r) => isBad(type, r))) {
      stats.nacks += 1;
      sotw!.send({
        typeUrl: response.typeUrl,
        responseNonce: response.nonce,
        versionInfo: acceptedVersion.get(type) ?? '',
        resourceNames: type === 'cluster' || type === 'listener' ? [] : [...wanted.get(type)!].sort(),
        errorDetail: { code: 3, message: 'bad resource' },
      });
      return;
    }
    const map = held.get(type)!;
    const context = `sotw ${type} nonce ${response.nonce}`;
    // A state-of-the-world response repeats unchanged resources; only changed ones are news to check.
    const encoded = (r: Message) => toBinary(resourceSchemas[type], r).join(',');
    const changed = resources.filter((r) => {
      const before = map.get(nameOf(type, r));
      return !before || encoded(before) !== encoded(r);
    });
    if (type === 'cluster' || type === 'listener') {
      const names = new Set(resources.map((r) => nameOf(type, r)));
      checkRemovals(
        type,
        [...map.keys()].filter((n) => !names.has(n)),
        context,
      );
      map.clear();
    }
    // Like Envoy, keep only resources of named types that are still wanted.
    const kept = resources.filter((r) => wanted.get(type)?.has(nameOf(type, r)) ?? true);
    for (const resource of kept) map.set(nameOf(type, resource), resource);
    check(
      context,
      type,
      changed.filter((r) => kept.includes(r)),
    );
    accepted.add(type);
    resubscribe();
    acceptedVersion.set(type, response.versionInfo);
    sotw!.send({
      typeUrl: response.typeUrl,
      responseNonce: response.nonce,
      versionInfo: response.versionInfo,
      resourceNames: type === 'cluster' || type === 'listener' ? [] : [...wanted.get(type)!].sort(),
    });
  };

  const onDelta = (response: DeltaDiscoveryResponse): void => {
    stats.responses += 1;
    const type = resourceTypeOfUrl.get(response.typeUrl)!;
    const resources = response.resources.map((r) => anyUnpack(r.resource!, envoyRegistry)!);
    note(
      `<- ${type} ${response.nonce} [${resources.map((r) => nameOf(type, r) + (type === 'route' ? '>' + routeClusters(r as RouteConfiguration).join('+') : '')).join(' ')}] -[${response.removedResources.join(' ')}]`,
    );
    if (resources.some((r) => isBad(type, r))) {
      stats.nacks += 1;
      delta!.send({
        typeUrl: response.typeUrl,
        responseNonce: response.nonce,
        errorDetail: { code: 3, message: 'bad resource' },
      });
      return;
    }
    const map = held.get(type)!;
    const context = `delta ${type} nonce ${response.nonce}`;
    for (const name of response.removedResources) map.delete(name);
    checkRemovals(type, response.removedResources, context);
    const kept = resources.filter((r) => wanted.get(type)?.has(nameOf(type, r)) ?? true);
    for (const resource of kept) map.set(nameOf(type, resource), resource);
    check(context, type, kept);
    accepted.add(type);
    resubscribe();
    delta!.send({ typeUrl: response.typeUrl, responseNonce: response.nonce });
  };

  const pump = async (): Promise<void> => {
    for (;;) {
      if (sotw) onSotw(await sotw.next());
      else onDelta(await delta!.next());
      reportOnce();
      wake();
    }
  };

  const first = { node: { id: nodeId } };
  if (sotw) {
    sotw.send({ ...first, typeUrl: typeUrls.cluster });
    sotw.send({ typeUrl: typeUrls.listener });
  } else {
    delta!.send({ ...first, typeUrl: typeUrls.cluster });
    delta!.send({ typeUrl: typeUrls.listener });
  }
  // Every named type too, before any response arrives (so before any ACK).
  for (const [type, names] of initialNames ?? []) {
    const sorted = [...new Set(names)].sort();
    wanted.set(type, new Set(sorted));
    note(`-> ${type} +[${sorted.join(' ')}] (first request)`);
    if (sotw) sotw.send({ typeUrl: typeUrls[type], resourceNames: sorted });
    else delta!.send({ typeUrl: typeUrls[type], resourceNamesSubscribe: sorted });
  }
  void pump();
  // The server ends a stream it cannot serve (a failed plan cross-check, say): that is a violation,
  // and it ends the wait for convergence at once.
  let closing = false;
  void (sotw ?? delta)!.ended.then((status) => {
    if (closing) return;
    violations.push(`the stream ended: ${status.code} ${status.details}`);
    wake();
  });

  const matches = (cache: SnapshotCache): boolean => {
    const desired = desiredNames();
    for (const [type, map] of held) {
      const current = cache.resources(type);
      const names =
        type === 'cluster' || type === 'listener'
          ? new Set(current.keys())
          : new Set([...desired.get(type)!].filter((n) => current.has(n)));
      if (map.size !== names.size) return false;
      for (const name of names) {
        const message = map.get(name);
        if (!message || shortHash(toBinary(resourceSchemas[type], message)) !== current.get(name)!.version)
          return false;
      }
    }
    return true;
  };

  return {
    violations,
    stats,
    converged: (cache) =>
      new Promise<void>((resolve) => {
        const test = () => {
          if (violations.length > 0 || matches(cache)) resolve();
        };
        wake = test;
        test();
      }),
    close: () => {
      closing = true;
      (sotw ?? delta)!.close();
    },
  };
};
