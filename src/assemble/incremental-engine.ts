// The incremental engine the event loop can use instead of buildDag + translate on every build:
// the incremental DAG build, translation memoized per DAG object, and EDS kept outside the build: an
// EndpointSlice event recomputes only the ClusterLoadAssignments of its Service.
// The memos keep each translated resource as the snapshot cache's entry (encoded bytes, content hash,
// references; src/xds/cache/cached-resource.ts) and each plaintext virtual host as its encoded record,
// never the Envoy message: messages are encoded as soon as they are made and left to the collector
// (at 10,000 proxies they were ~90 MB of heap, against ~10 MB of bytes). An unchanged virtual host,
// cluster or secret is the same DAG object, so it finds the same entry, and the cache, given the same
// entry or host record, keeps its bytes and version.
import type { ObjectRef } from '../apis/meta.js';
import { serviceNameLabel, type EndpointSlice } from '../apis/kubernetes.js';
import { socketAddress } from '../envoy/address.js';
import { envoyCluster } from '../envoy/cluster.js';
import { clusterLoadAssignment, lbEndpoint, readyEndpoints } from '../envoy/endpoints.js';
import { httpListener, httpsListener } from '../envoy/listener.js';
import { httpRouteConfigName, httpsRouteConfigName } from '../envoy/names.js';
import { resolveTranslateOptions, type TranslateOptions } from '../envoy/options.js';
import { envoyVirtualHost, routeConfiguration } from '../envoy/route-configuration.js';
import { envoySecret } from '../envoy/secret.js';
import { adminListener, statsListener } from '../envoy/stats-listener.js';
import type { StoreView } from '../store/store.js';
import { multisetAdd, multisetRemove, multisetValues, type SmallMultiset } from '../store/small-multiset.js';
import { cacheResource, type CachedResource } from '../xds/cache/cached-resource.js';
import {
  encodeVirtualHost,
  type EncodedVirtualHost,
  type SplicedRouteConfiguration,
} from '../xds/cache/route-encoding.js';
import type { BuildOptions, BuildResult } from '../dag/build.js';
import { createIncrementalBuilder, type IncrementalStats } from '../dag/incremental.js';
import { createHostListTranslator } from './incremental-hosts.js';
import { compareStrings } from '../dag/names.js';
import type { Cluster, SecureVirtualHost, VirtualHost } from '../dag/types.js';

/** ClusterLoadAssignments recomputed after EndpointSlice events, and the list they are now part of. */
export interface EndpointChanges {
  upserted: CachedResource[];
  list: CachedResource[];
}

/** One build's Envoy resources, encoded, each list sorted by name (what the snapshot cache publishes). */
export interface EncodedResources {
  listeners: CachedResource[];
  routes: (CachedResource | SplicedRouteConfiguration)[];
  clusters: CachedResource[];
  endpoints: CachedResource[];
  secrets: CachedResource[];
}

/** What the event loop should do after an event. */
export type ChangeEffect = 'none' | 'build' | 'endpoints';

export interface IncrementalEngine {
  /** Records a changed object (after store.apply) and says what it calls for. */
  noteChange(ref: ObjectRef): ChangeEffect;
  /** Builds and translates, reusing everything the changes since the last build did not touch. */
  build(): { result: BuildResult; resources: EncodedResources };
  /** The current ClusterLoadAssignments (after 'endpoints' changes), sorted by name. */
  endpoints(): CachedResource[];
  /**
   * After 'endpoints' changes: only the assignments of the Services whose slices changed, and the new
   * full list (what endpoints() now returns). Undefined when the list must be rebuilt (clusters changed
   * since the last build): use endpoints() then.
   */
  endpointChanges(): EndpointChanges | undefined;
  lastStats(): IncrementalStats;
}

const byName = <T extends { name: string }>(a: T, b: T): number => compareStrings(a.name, b.name);

const sortedByName = <T extends { name: string }>(items: T[]): T[] => {
  for (let i = 1; i < items.length; i++)
    if (compareStrings(items[i - 1].name, items[i].name) > 0) return items.sort(byName);
  return items;
};

/** Creates the engine over a store the event loop keeps applying events to. */
export const createIncrementalEngine = (
  store: StoreView,
  buildOptions: BuildOptions,
  translateOptions: TranslateOptions,
): IncrementalEngine => {
  const builder = createIncrementalBuilder(store, buildOptions);
  const resolved = resolveTranslateOptions(translateOptions);
  const clusterSettings = {
    connectTimeoutMs: resolved.connectTimeoutMs,
    cipherSuites: resolved.cipherSuites,
  };
  const context = { routeSourceMetadata: resolved.routeSourceMetadata };

  // Translation memos, keyed by DAG objects: the incremental build hands back the same object for
  // an unchanged virtual host, cluster or secret.
  const clusterMemo = new WeakMap<Cluster, CachedResource>();
  const secretMemo = new WeakMap<object, CachedResource | undefined>();
  const plainHostMemo = new WeakMap<VirtualHost, EncodedVirtualHost>();
  const secureRoutesMemo = new WeakMap<SecureVirtualHost, CachedResource>();
  let httpListeners: { hosts: VirtualHost[]; listeners: CachedResource[] } | undefined;
  let httpsListeners: { hosts: SecureVirtualHost[]; listeners: CachedResource[] } | undefined;
  let plainRoutes: { hosts: VirtualHost[]; configuration: SplicedRouteConfiguration } | undefined;
  // The build whose hosts are being translated (route translation looks its clusters up).
  let currentResult: BuildResult | undefined;
  const translatePlainHosts = createHostListTranslator((host) => {
    let translated = plainHostMemo.get(host);
    if (!translated) {
      translated = encodeVirtualHost(
        envoyVirtualHost(host, { ...context, secure: false, clusters: clustersOf(currentResult!) }),
      );
      plainHostMemo.set(host, translated);
    }
    return translated;
  });
  const encodeListeners = (listeners: Parameters<typeof cacheResource>[1][]): CachedResource[] =>
    listeners.map((listener) => cacheResource('listener', listener));
  const fixedListeners = encodeListeners([
    statsListener(resolved.statsAddress, resolved.statsPort),
    ...adminListener(resolved.adminPort),
  ]);

  // EDS: slice names by Service (a Map per Service was ~2 MB at 10,000), and the assignment of each
  // EDS name, recomputed per Service on change.
  const slicesByService = new Map<string, SmallMultiset<string>>();
  const serviceOfSlice = new Map<string, string>();
  const assignments = new Map<string, { serviceKey: string; assignment: CachedResource }>();
  const dirtyServices = new Set<string>();
  let edsTargets = new Map<string, Cluster>();
  // The EDS names of each Service among edsTargets, so a slice event finds its assignments in O(1).
  let edsNamesOfService = new Map<string, string[]>();
  let translatedClusters: { dag: Cluster[]; clusters: CachedResource[] } | undefined;
  // The sorted list of assignments and each EDS name's index in it; rebuilt when edsTargets change,
  // patched (as a copy) when only endpoints do.
  let endpointList: CachedResource[] | undefined;
  let endpointIndex = new Map<string, number>();

  const serviceKeyOf = (slice: EndpointSlice): string | undefined => {
    const service = slice.metadata.labels?.[serviceNameLabel];
    return service ? `${slice.metadata.namespace ?? ''}/${service}` : undefined;
  };
  const indexSlice = (ref: ObjectRef): void => {
    const sliceKey = `${ref.namespace}/${ref.name}`;
    // Drop the slice from the Service it was under, then add it under its current one.
    const previous = serviceOfSlice.get(sliceKey);
    if (previous !== undefined) {
      const slices = multisetRemove(slicesByService.get(previous), ref.name);
      if (slices === undefined) slicesByService.delete(previous);
      else slicesByService.set(previous, slices);
      serviceOfSlice.delete(sliceKey);
      dirtyServices.add(previous);
    }
    const slice = store.get<EndpointSlice>('EndpointSlice', ref.namespace, ref.name);
    const serviceKey = slice ? serviceKeyOf(slice) : undefined;
    if (!slice || !serviceKey) return;
    // A Service's slices share its namespace: names identify them.
    slicesByService.set(serviceKey, multisetAdd(slicesByService.get(serviceKey), ref.name));
    serviceOfSlice.set(sliceKey, serviceKey);
    dirtyServices.add(serviceKey);
  };
  for (const slice of store.list<EndpointSlice>('EndpointSlice')) {
    indexSlice({
      kind: 'EndpointSlice',
      namespace: slice.metadata.namespace ?? '',
      name: slice.metadata.name,
    });
  }
  dirtyServices.clear();

  const assignmentFor = (edsName: string, cluster: Cluster): CachedResource => {
    const serviceKey = `${cluster.service.namespace}/${cluster.service.name}`;
    const known = assignments.get(edsName);
    if (known && !dirtyServices.has(serviceKey)) return known.assignment;
    const slices = [...multisetValues(slicesByService.get(serviceKey))]
      .sort(compareStrings)
      .map((name) => store.get<EndpointSlice>('EndpointSlice', cluster.service.namespace, name)!);
    const target = {
      namespace: cluster.service.namespace,
      name: cluster.service.name,
      portName: cluster.service.portName,
    };
    const assignment = cacheResource(
      'endpoint',
      clusterLoadAssignment(
        edsName,
        readyEndpoints(slices, target).map((endpoint) =>
          lbEndpoint(socketAddress(endpoint.address, endpoint.port)),
        ),
      ),
    );
    assignments.set(edsName, { serviceKey, assignment });
    return assignment;
  };

  /** Recomputes the assignments of dirty Services only; the list is copied if any changed. */
  const patchEndpoints = (list: CachedResource[]): EndpointChanges => {
    const upserted: CachedResource[] = [];
    let patched: CachedResource[] | undefined;
    for (const serviceKey of dirtyServices) {
      for (const edsName of edsNamesOfService.get(serviceKey) ?? []) {
        const assignment = assignmentFor(edsName, edsTargets.get(edsName)!);
        const index = endpointIndex.get(edsName)!;
        if (list[index] === assignment) continue;
        patched ??= [...list];
        patched[index] = assignment;
        upserted.push(assignment);
      }
    }
    dirtyServices.clear();
    return { upserted, list: patched ?? list };
  };

  const endpoints = (): CachedResource[] => {
    if (endpointList) {
      if (dirtyServices.size > 0) endpointList = patchEndpoints(endpointList).list;
      return endpointList;
    }
    const list: CachedResource[] = [];
    for (const [edsName, cluster] of edsTargets) list.push(assignmentFor(edsName, cluster));
    for (const edsName of assignments.keys()) if (!edsTargets.has(edsName)) assignments.delete(edsName);
    dirtyServices.clear();
    endpointList = sortedByName(list);
    endpointIndex = new Map(endpointList.map((assignment, index) => [assignment.name, index]));
    return endpointList;
  };

  const endpointChanges = (): EndpointChanges | undefined => {
    if (!endpointList) return undefined;
    const changes = patchEndpoints(endpointList);
    endpointList = changes.list;
    return changes;
  };

  const translateRoutes = (result: BuildResult): (CachedResource | SplicedRouteConfiguration)[] => {
    const { httpVirtualHosts, httpsVirtualHosts } = result.dag;
    if (plainRoutes?.hosts !== httpVirtualHosts) {
      // The shell (name, headers, options) comes from the translate stage; only the hosts are reused.
      const shell = routeConfiguration(httpRouteConfigName, [], { ...context, secure: false });
      currentResult = result;
      const configuration = { name: shell.name, shell, virtualHosts: translatePlainHosts(httpVirtualHosts) };
      plainRoutes = { hosts: httpVirtualHosts, configuration };
    }
    const configurations: (CachedResource | SplicedRouteConfiguration)[] = [plainRoutes.configuration];
    for (const host of httpsVirtualHosts) {
      if (host.secret === undefined || host.tcpProxy) continue;
      let translated = secureRoutesMemo.get(host);
      if (!translated) {
        translated = cacheResource(
          'route',
          routeConfiguration(httpsRouteConfigName(host.fqdn), [host], {
            ...context,
            secure: true,
            clusters: clustersOf(result),
          }),
        );
        secureRoutesMemo.set(host, translated);
      }
      configurations.push(translated);
    }
    return sortedByName(configurations);
  };

  // Route translation looks clusters up by name (load-balancing policy); built lazily, once per list
  // of clusters (an edit that keeps every cluster keeps the list, and does not rebuild 10,000 entries).
  let clusterIndex: { clusters: Cluster[]; byName: Map<string, Cluster> } | undefined;
  const clustersOf = (result: BuildResult): Map<string, Cluster> => {
    if (clusterIndex?.clusters !== result.dag.clusters) {
      clusterIndex = {
        clusters: result.dag.clusters,
        byName: new Map(result.dag.clusters.map((cluster) => [cluster.name, cluster])),
      };
    }
    return clusterIndex.byName;
  };

  const translateListeners = (result: BuildResult): CachedResource[] => {
    const { httpVirtualHosts, httpsVirtualHosts } = result.dag;
    if (httpListeners?.hosts !== httpVirtualHosts) {
      httpListeners = {
        hosts: httpVirtualHosts,
        listeners: encodeListeners(httpListener(httpVirtualHosts, resolved)),
      };
    }
    if (httpsListeners?.hosts !== httpsVirtualHosts) {
      httpsListeners = {
        hosts: httpsVirtualHosts,
        listeners: encodeListeners(httpsListener(httpsVirtualHosts, resolved)),
      };
    }
    return [...httpListeners.listeners, ...httpsListeners.listeners, ...fixedListeners].sort(byName);
  };

  return {
    noteChange(ref) {
      if (ref.kind === 'EndpointSlice') {
        indexSlice(ref);
        return 'endpoints';
      }
      return builder.noteChange(ref) ? 'build' : 'none';
    },
    build() {
      const result = builder.build();
      if (translatedClusters?.dag !== result.dag.clusters) {
        const clusters: CachedResource[] = [];
        const targets = new Map<string, Cluster>();
        const namesOfService = new Map<string, string[]>();
        for (const cluster of result.dag.clusters) {
          let translated = clusterMemo.get(cluster);
          if (!translated) {
            translated = cacheResource('cluster', envoyCluster(cluster, clusterSettings));
            clusterMemo.set(cluster, translated);
          }
          clusters.push(translated);
          if (cluster.externalName === undefined && !targets.has(cluster.edsName)) {
            targets.set(cluster.edsName, cluster);
            const serviceKey = `${cluster.service.namespace}/${cluster.service.name}`;
            const names = namesOfService.get(serviceKey);
            if (names) names.push(cluster.edsName);
            else namesOfService.set(serviceKey, [cluster.edsName]);
          }
        }
        translatedClusters = { dag: result.dag.clusters, clusters };
        // A new set of EDS names (or new cluster objects for them) needs a new list; unchanged
        // Services keep their assignments.
        edsTargets = targets;
        edsNamesOfService = namesOfService;
        endpointList = undefined;
      }
      const clusters = translatedClusters.clusters;
      const secrets: CachedResource[] = [];
      for (const secret of result.dag.secrets) {
        if (!secretMemo.has(secret)) {
          const translated = envoySecret(secret);
          secretMemo.set(secret, translated && cacheResource('secret', translated));
        }
        const translated = secretMemo.get(secret);
        if (translated) secrets.push(translated);
      }
      return {
        result,
        resources: {
          listeners: translateListeners(result),
          routes: translateRoutes(result),
          clusters,
          endpoints: endpoints(),
          secrets,
        },
      };
    },
    endpoints,
    endpointChanges,
    lastStats: () => builder.lastStats(),
  };
};
