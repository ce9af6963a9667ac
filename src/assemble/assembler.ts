// The one path from a DAG to the Envoy resources the snapshot cache publishes, encoded and checked:
// `contour serve`, `contour translate`, the golden files and the bench all go through it. Reuse is a
// matter of lifetime: an assembler kept across builds (the incremental engine's) finds unchanged DAG
// objects in its memos, one made for a single DAG (`assembleDag`) translates everything once.
// The memos keep each translated resource as the snapshot cache's entry (encoded bytes, content hash,
// references; src/xds/cache/cached-resource.ts) and each plaintext virtual host as its encoded record,
// never the Envoy message: messages are encoded as soon as they are made and left to the collector
// (at 10,000 proxies they were ~90 MB of heap, against ~10 MB of bytes). An unchanged virtual host,
// cluster or secret is the same DAG object, so it finds the same entry, and the cache, given the same
// entry or host record, keeps its bytes and version.
// Every resource is checked against Envoy's validation rules before it is published (resource-check.ts);
// what fails is withheld, with whatever refers to it, and reported as a Rejection.
import { create, type Message } from '@bufbuild/protobuf';
import type { ObjectRef } from '../apis/meta.js';
import type { Cluster, Dag, SecureVirtualHost, TlsSecret, VirtualHost } from '../dag/types.js';
import { envoyCluster } from '../envoy/cluster.js';
import {
  fallbackFilterChain,
  fallbackHostOf,
  httpListener,
  httpsListener,
  secureFilterChain,
  servesSecureVirtualHost,
} from '../envoy/listener.js';
import { fallbackRouteConfigName, httpRouteConfigName, httpsRouteConfigName } from '../envoy/names.js';
import { resolveTranslateOptions, type TranslateOptions } from '../envoy/options.js';
import { envoyVirtualHost, fallbackVirtualHosts, routeConfiguration } from '../envoy/route-configuration.js';
import { envoySecret } from '../envoy/secret.js';
import { dynamicRuntime } from '../envoy/runtime.js';
import { adminListener, omEnforcedHealthListener, statsListeners } from '../envoy/stats-listener.js';
import { statsSecrets } from '../envoy/stats-tls.js';
import { validateResource } from '../envoy/validation/validate.js';
import { ListenerSchema, type Listener } from '../gen/envoy/config/listener/v3/listener_pb.js';
import type { StoreView } from '../store/store.js';
import { cacheResource, type CachedResource } from '../xds/cache/cached-resource.js';
import {
  encodeVirtualHost,
  type EncodedVirtualHost,
  type SplicedRouteConfiguration,
} from '../xds/cache/route-encoding.js';
import { createEndpointAssignments, type EndpointChanges } from './endpoint-assignments.js';
import { createHostListTranslator } from './incremental-hosts.js';
import { createResourceChecker, type Checked, type Rejection } from './resource-check.js';
import { compareStrings, sortedByName } from './sorting.js';

export type { EndpointChanges } from './endpoint-assignments.js';
export type { Rejection } from './resource-check.js';

/** One build's Envoy resources, encoded, each list sorted by name (what the snapshot cache publishes). */
export interface EncodedResources {
  listeners: CachedResource[];
  routes: (CachedResource | SplicedRouteConfiguration)[];
  clusters: CachedResource[];
  endpoints: CachedResource[];
  secrets: CachedResource[];
  runtimes: CachedResource[];
}

/** What one DAG became: the resources to publish and the ones withheld. */
export interface Assembly {
  resources: EncodedResources;
  /** Resources Envoy would reject, sorted by type and name; none of them is in `resources`. */
  rejections: Rejection[];
}

/** Turns DAGs into encoded, checked Envoy resources, reusing what earlier calls made. */
export interface Assembler {
  /** Records a changed EndpointSlice (after store.apply); EDS is kept outside the DAG. */
  noteEndpointSlice(ref: ObjectRef): void;
  /** The resources of `dag`; endpoints come from the store's EndpointSlices. */
  assemble(dag: Dag): Assembly;
  /** The current ClusterLoadAssignments (after EndpointSlice changes), sorted by name. */
  endpoints(): CachedResource[];
  /** Only the assignments of Services whose slices changed; undefined when endpoints() must be used. */
  endpointChanges(): EndpointChanges | undefined;
}

/** A plaintext virtual host as translated: its record, or why it is withheld. */
interface PlainHost {
  name: string;
  host: VirtualHost;
  record?: EncodedVirtualHost;
  rejection?: Rejection;
}

/** A TLS virtual host as translated: its route configuration (terminated HTTP only) and problems. */
interface SecureHost {
  routes?: CachedResource;
  rejection?: Rejection;
}

const refOf = (source: ObjectRef): ObjectRef => ({
  kind: source.kind,
  namespace: source.namespace,
  name: source.name,
});

/** The objects behind a virtual host: its root and every object that contributed a route. */
const sourcesOf = (host: VirtualHost): ObjectRef[] => {
  const sources = new Map<string, ObjectRef>();
  for (const source of [host.source, ...host.routes.map((route) => route.source)]) {
    sources.set(`${source.kind}/${source.namespace}/${source.name}`, refOf(source));
  }
  return [...sources.values()];
};

/** The cluster names a virtual host sends traffic to (routes, mirrors, TCP proxy). */
const clusterNamesOf = (host: VirtualHost | SecureVirtualHost): string[] => [
  ...host.routes.flatMap((route) => [
    ...(route.action.kind === 'cluster' ? route.action.clusters.map((cluster) => cluster.cluster) : []),
    ...route.mirrors.map((mirror) => mirror.cluster),
  ]),
  ...('tcpProxy' in host && host.tcpProxy ? host.tcpProxy.clusters.map((cluster) => cluster.cluster) : []),
];

const usesAny = (host: VirtualHost, names: ReadonlySet<string>): boolean =>
  names.size > 0 && clusterNamesOf(host).some((name) => names.has(name));

/** The objects whose hosts refer to `name` (a cluster or a secret), found only when something failed. */
const sourcesReferring = (dag: Dag, refersTo: (host: SecureVirtualHost | VirtualHost) => boolean) => {
  const sources = new Map<string, ObjectRef>();
  for (const host of [...dag.httpVirtualHosts, ...dag.httpsVirtualHosts]) {
    if (!refersTo(host)) continue;
    for (const source of sourcesOf(host))
      sources.set(`${source.kind}/${source.namespace}/${source.name}`, source);
  }
  return [...sources.values()];
};

const rejectionOrder = (a: Rejection, b: Rejection): number =>
  compareStrings(a.type, b.type) || compareStrings(a.name, b.name);

/** Creates an assembler over a store the event loop keeps applying events to. */
export const createAssembler = (store: StoreView, translateOptions: TranslateOptions): Assembler => {
  const resolved = resolveTranslateOptions(translateOptions);
  const checker = createResourceChecker();
  const clusterSettings = {
    connectTimeoutMs: resolved.connectTimeoutMs,
    upstreamTls: resolved.upstreamTls,
    dnsLookupFamily: resolved.dnsLookupFamily,
  };
  const context = { routeSourceMetadata: resolved.routeSourceMetadata };
  const endpointAssignments = createEndpointAssignments(store, checker);

  // Translation memos, keyed by DAG objects: the incremental build hands back the same object for
  // an unchanged virtual host, cluster or secret.
  const clusterMemo = new WeakMap<Cluster, Checked>();
  const secretMemo = new WeakMap<TlsSecret, Checked | undefined>();
  const secureMemo = new WeakMap<SecureVirtualHost, SecureHost>();

  // The DAG being assembled (translation of hosts looks its clusters up by name).
  let dag: Dag | undefined;
  let clusterIndex: { clusters: Cluster[]; byName: Map<string, Cluster> } | undefined;
  const clustersByName = (): Map<string, Cluster> => {
    if (clusterIndex?.clusters !== dag!.clusters) {
      clusterIndex = {
        clusters: dag!.clusters,
        byName: new Map(dag!.clusters.map((cluster) => [cluster.name, cluster])),
      };
    }
    return clusterIndex.byName;
  };

  // Fixed parts, made once from the options. Their problems are the operator's, not any object's.
  const fixedRejections: Rejection[] = [];
  const checkFixed = (
    type: 'listener' | 'route' | 'secret' | 'runtime',
    message: Message,
  ): CachedResource | undefined => {
    const checked = checker.check(type, message, []);
    if (checked.rejection) fixedRejections.push(checked.rejection);
    return checked.entry;
  };
  const fixedListeners = [
    ...statsListeners(
      { address: resolved.statsAddress, port: resolved.statsPort },
      { address: resolved.healthAddress, port: resolved.healthPort },
      resolved.statsTls,
    ),
    ...omEnforcedHealthListener(resolved.omEnforcedHealth),
    ...adminListener(resolved.adminPort),
  ]
    .map((listener) => checkFixed('listener', listener))
    .filter((entry) => entry !== undefined);
  // The stats listener's certificate and CA (file references), served with the DAG's secrets.
  const fixedSecrets = statsSecrets(resolved.statsTls)
    .map((secret) => checkFixed('secret', secret))
    .filter((entry) => entry !== undefined);
  // The RTDS layer depends on the options only.
  const runtimeEntry = checkFixed('runtime', dynamicRuntime(resolved.runtime));
  const runtimes = runtimeEntry ? [runtimeEntry] : [];
  const plainShell = routeConfiguration(httpRouteConfigName, [], { ...context, secure: false });
  const plainShellValid = checkFixed('route', plainShell) !== undefined;

  /**
   * The ingress listener of `hosts`, checked without its filter chains (each chain was checked with
   * its host: checking 10,000 chains again on every edit would cost more than translating them).
   */
  const checkedListener = (listener: Listener | undefined): Checked | undefined => {
    if (!listener) return undefined;
    const violations = validateResource(create(ListenerSchema, { ...listener, filterChains: [] }));
    if (violations.length === 0) return { entry: cacheResource('listener', listener) };
    return { rejection: { type: 'listener', name: listener.name, violations, sources: [] } };
  };

  const translatePlainHosts = createHostListTranslator((host): PlainHost => {
    const message = envoyVirtualHost(host, { ...context, secure: false, clusters: clustersByName() });
    const violations = validateResource(message);
    return violations.length === 0
      ? { name: message.name, host, record: encodeVirtualHost(message) }
      : {
          name: message.name,
          host,
          rejection: {
            type: 'route',
            name: `${httpRouteConfigName} virtual host ${message.name}`,
            violations,
            sources: sourcesOf(host),
          },
        };
  });

  const translateSecureHost = (host: SecureVirtualHost): SecureHost => {
    let translated = secureMemo.get(host);
    if (translated) return translated;
    translated = {};
    if (servesSecureVirtualHost(host)) {
      const violations = validateResource(secureFilterChain(host, resolved));
      if (violations.length > 0) {
        const name = `ingress_https filter chain ${host.fqdn}`;
        translated.rejection = { type: 'listener', name, violations, sources: sourcesOf(host) };
      }
    }
    if (!translated.rejection && host.secret !== undefined && !host.tcpProxy) {
      const configuration = routeConfiguration(httpsRouteConfigName(host.fqdn), [host], {
        ...context,
        secure: true,
        clusters: clustersByName(),
      });
      const checked = checker.check('route', configuration, sourcesOf(host));
      translated.routes = checked.entry;
      translated.rejection = checked.rejection;
    }
    secureMemo.set(host, translated);
    return translated;
  };

  // Per list of DAG clusters: the published clusters and the names withheld.
  let clusterState:
    | { dag: Cluster[]; clusters: CachedResource[]; withheld: Set<string>; rejections: Rejection[] }
    | undefined;
  const assembleClusters = (current: Dag) => {
    if (clusterState?.dag === current.clusters) return clusterState;
    const clusters: CachedResource[] = [];
    const withheld = new Set<string>();
    const rejections: Rejection[] = [];
    for (const cluster of sortedByName(current.clusters)) {
      let checked = clusterMemo.get(cluster);
      if (!checked) {
        checked = checker.check('cluster', envoyCluster(cluster, clusterSettings), []);
        if (checked.rejection) {
          const sources = sourcesReferring(current, (host) => clusterNamesOf(host).includes(cluster.name));
          checked = { rejection: { ...checked.rejection, sources } };
        }
        clusterMemo.set(cluster, checked);
      }
      if (checked.entry) clusters.push(checked.entry);
      else {
        withheld.add(cluster.name);
        rejections.push(checked.rejection);
      }
    }
    endpointAssignments.setClusters(current.clusters.filter((cluster) => !withheld.has(cluster.name)));
    clusterState = { dag: current.clusters, clusters, withheld, rejections };
    return clusterState;
  };

  // Per list of DAG secrets: the published secrets and their names.
  let secretState:
    { dag: TlsSecret[]; secrets: CachedResource[]; names: Set<string>; rejections: Rejection[] } | undefined;
  const assembleSecrets = (current: Dag) => {
    if (secretState?.dag === current.secrets) return secretState;
    const secrets: CachedResource[] = [];
    const rejections: Rejection[] = [];
    for (const secret of sortedByName(current.secrets)) {
      if (!secretMemo.has(secret)) {
        const translated = envoySecret(secret);
        let checked = translated && checker.check('secret', translated, []);
        if (checked?.rejection) {
          const sources = sourcesReferring(
            current,
            (host) =>
              'secret' in host && (host.secret === secret.name || host.fallbackSecret === secret.name),
          );
          checked = { rejection: { ...checked.rejection, sources } };
        }
        secretMemo.set(secret, checked);
      }
      const checked = secretMemo.get(secret);
      if (checked?.entry) secrets.push(checked.entry);
      else if (checked?.rejection) rejections.push(checked.rejection);
    }
    secretState = { dag: current.secrets, secrets, names: new Set(secrets.map((s) => s.name)), rejections };
    return secretState;
  };

  // Plaintext side, per list of DAG hosts and set of withheld clusters.
  let plainState:
    | {
        hosts: VirtualHost[];
        withheld: Set<string>;
        listeners: CachedResource[];
        routes: SplicedRouteConfiguration[];
        rejections: Rejection[];
      }
    | undefined;
  const assemblePlain = (current: Dag, withheld: Set<string>) => {
    if (plainState?.hosts === current.httpVirtualHosts && plainState.withheld === withheld) return plainState;
    const records: EncodedVirtualHost[] = [];
    const rejections: Rejection[] = [];
    for (const translated of translatePlainHosts(current.httpVirtualHosts)) {
      if (translated.rejection) rejections.push(translated.rejection);
      else if (!usesAny(translated.host, withheld)) records.push(translated.record!);
    }
    const listener = checkedListener(httpListener(current.httpVirtualHosts, resolved)[0]);
    if (listener?.rejection) rejections.push(listener.rejection);
    plainState = {
      hosts: current.httpVirtualHosts,
      withheld,
      listeners: listener?.entry ? [listener.entry] : [],
      // A route configuration with every host left out is still `ingress_http`: Envoy asks for it.
      routes: plainShellValid ? [{ name: plainShell.name, shell: plainShell, virtualHosts: records }] : [],
      rejections,
    };
    return plainState;
  };

  // Contour's fallback certificate: `ingress_fallbackcert` (every served host that enabled it) and the host
  // whose settings its filter chain takes; kept while the same host objects enable it.
  let fallbackState:
    | { hosts: SecureVirtualHost[]; host?: SecureVirtualHost; routes?: CachedResource; rejection?: Rejection }
    | undefined;
  const assembleFallback = (served: SecureVirtualHost[], secretNames: Set<string>) => {
    // Only with its secret published: a chain naming a secret Envoy never receives keeps the listener warming.
    const enabled = served.filter(
      (host) => host.fallbackSecret !== undefined && secretNames.has(host.fallbackSecret),
    );
    const same =
      fallbackState?.hosts.length === enabled.length &&
      fallbackState.hosts.every((host, index) => host === enabled[index]);
    if (same) return fallbackState!;
    const routeHosts = fallbackVirtualHosts(enabled);
    // No chain without a host to route to: Envoy would wait for a route configuration that never comes.
    const host = routeHosts.length > 0 ? fallbackHostOf(enabled) : undefined;
    fallbackState = { hosts: enabled };
    if (!host) return fallbackState;
    const sources = [
      ...new Map(
        routeHosts.flatMap(sourcesOf).map((ref) => [`${ref.kind}/${ref.namespace}/${ref.name}`, ref]),
      ).values(),
    ];
    const violations = validateResource(fallbackFilterChain(host, resolved));
    if (violations.length > 0) {
      fallbackState.rejection = {
        type: 'listener',
        name: 'ingress_https filter chain fallback-certificate',
        violations,
        sources,
      };
      return fallbackState;
    }
    const configuration = routeConfiguration(fallbackRouteConfigName, routeHosts, {
      ...context,
      secure: true,
      clusters: clustersByName(),
    });
    const checked = checker.check('route', configuration, sources);
    if (checked.rejection) fallbackState.rejection = checked.rejection;
    else Object.assign(fallbackState, { host, routes: checked.entry });
    return fallbackState;
  };

  // TLS side, per list of DAG hosts, published secrets and withheld clusters.
  let secureState:
    | {
        hosts: SecureVirtualHost[];
        secretNames: Set<string>;
        withheld: Set<string>;
        listeners: CachedResource[];
        routes: CachedResource[];
        rejections: Rejection[];
      }
    | undefined;
  const assembleSecure = (current: Dag, secretNames: Set<string>, withheld: Set<string>) => {
    if (
      secureState?.hosts === current.httpsVirtualHosts &&
      secureState.secretNames === secretNames &&
      secureState.withheld === withheld
    ) {
      return secureState;
    }
    // A filter chain naming a secret Envoy never receives keeps the whole TLS listener warming,
    // taking every other TLS host down with it: such hosts are left out, as are hosts Envoy would reject.
    const served: SecureVirtualHost[] = [];
    const routes: CachedResource[] = [];
    const rejections: Rejection[] = [];
    for (const host of current.httpsVirtualHosts) {
      if (host.secret !== undefined && !secretNames.has(host.secret)) continue;
      if (usesAny(host, withheld)) continue;
      const translated = translateSecureHost(host);
      if (translated.rejection) {
        rejections.push(translated.rejection);
        continue;
      }
      served.push(host);
      if (translated.routes) routes.push(translated.routes);
    }
    const fallback = assembleFallback(served, secretNames);
    if (fallback.rejection) rejections.push(fallback.rejection);
    if (fallback.routes) routes.push(fallback.routes);
    const listener = checkedListener(httpsListener(served, resolved, fallback.host)[0]);
    if (listener?.rejection) rejections.push(listener.rejection);
    secureState = {
      hosts: current.httpsVirtualHosts,
      secretNames,
      withheld,
      listeners: listener?.entry ? [listener.entry] : [],
      routes,
      rejections,
    };
    return secureState;
  };

  return {
    noteEndpointSlice: (ref) => endpointAssignments.noteSlice(ref),
    assemble(current) {
      dag = current;
      checker.nextBuild();
      const clusters = assembleClusters(current);
      const secrets = assembleSecrets(current);
      const plain = assemblePlain(current, clusters.withheld);
      const secure = assembleSecure(current, secrets.names, clusters.withheld);
      const rejections = [
        ...fixedRejections,
        ...clusters.rejections,
        ...secrets.rejections,
        ...plain.rejections,
        ...secure.rejections,
        ...endpointAssignments.rejections(),
      ];
      return {
        resources: {
          listeners: sortedByName([...plain.listeners, ...secure.listeners, ...fixedListeners]),
          routes: sortedByName<CachedResource | SplicedRouteConfiguration>([
            ...plain.routes,
            ...secure.routes,
          ]),
          clusters: clusters.clusters,
          endpoints: endpointAssignments.list(),
          secrets:
            fixedSecrets.length > 0 ? sortedByName([...secrets.secrets, ...fixedSecrets]) : secrets.secrets,
          runtimes,
        },
        rejections: rejections.length > 0 ? rejections.sort(rejectionOrder) : rejections,
      };
    },
    endpoints: () => endpointAssignments.list(),
    endpointChanges: () => endpointAssignments.changes(),
  };
};

/** The resources of one DAG, assembled once (nothing to reuse): the full build's translate step. */
export const assembleDag = (dag: Dag, store: StoreView, translateOptions: TranslateOptions): Assembly =>
  createAssembler(store, translateOptions).assemble(dag);
