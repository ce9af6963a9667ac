// The translate stage: DAG (+ EndpointSlices for EDS) → Envoy resources. Pure and deterministic:
// every list is sorted by name, so equal inputs give byte-identical resources.
import type { Dag } from '../dag/types.js';
import type { StoreView } from '../store/store.js';
import type { EnvoyResources } from './resources.js';
import { envoyCluster } from './cluster.js';
import { clusterLoadAssignments } from './endpoints.js';
import { httpListener, httpsListener } from './listener.js';
import { resolveTranslateOptions, type TranslateOptions } from './options.js';
import { compareStrings } from './proto-util.js';
import { routeConfigurations } from './route-configuration.js';
import { envoySecret } from './secret.js';
import { adminListener, statsListeners } from './stats-listener.js';

export { defaultTranslateOptions, resolveTranslateOptions, type TranslateOptions } from './options.js';

const byName = <T extends { name: string }>(a: T, b: T): number => compareStrings(a.name, b.name);

/** Translates a DAG into Envoy resources; endpoints come from the store's EndpointSlices. */
export const translate = (dag: Dag, store: StoreView, options: TranslateOptions): EnvoyResources => {
  const resolved = resolveTranslateOptions(options);
  const clustersByName = new Map(dag.clusters.map((cluster) => [cluster.name, cluster]));
  const clusterSettings = {
    connectTimeoutMs: resolved.connectTimeoutMs,
    cipherSuites: resolved.cipherSuites,
    dnsLookupFamily: resolved.dnsLookupFamily,
  };
  const secrets = uniqueByName(dag.secrets)
    .map(envoySecret)
    .filter((secret) => secret !== undefined)
    .sort(byName);
  // A filter chain naming a secret Envoy never receives keeps the whole TLS listener warming,
  // taking every other TLS host down with it: leave such hosts out.
  const secretNames = new Set(secrets.map((secret) => secret.name));
  const httpsVirtualHosts = dag.httpsVirtualHosts.filter(
    (virtualHost) => virtualHost.secret === undefined || secretNames.has(virtualHost.secret),
  );
  return {
    listeners: [
      ...httpListener(dag.httpVirtualHosts, resolved),
      ...httpsListener(httpsVirtualHosts, resolved),
      ...statsListeners(
        { address: resolved.statsAddress, port: resolved.statsPort },
        { address: resolved.healthAddress, port: resolved.healthPort },
      ),
      ...adminListener(resolved.adminPort),
    ].sort(byName),
    routes: routeConfigurations(dag.httpVirtualHosts, httpsVirtualHosts, {
      routeSourceMetadata: resolved.routeSourceMetadata,
      clusters: clustersByName,
    }),
    clusters: uniqueByName(dag.clusters)
      .map((cluster) => envoyCluster(cluster, clusterSettings))
      .sort(byName),
    endpoints: clusterLoadAssignments(dag.clusters, store),
    secrets,
  };
};

// The DAG promises unique names; a duplicate would make Envoy reject the whole update, so keep the first.
const uniqueByName = <T extends { name: string }>(items: T[]): T[] => {
  const seen = new Set<string>();
  return items.filter((item) => (seen.has(item.name) ? false : (seen.add(item.name), true)));
};
