// The DAG under construction: processors add virtual hosts, routes, clusters and secrets in any order;
// finish() drops what serves nothing and sorts everything, so output never depends on processing order.
import type { ObjectRef } from '../apis/meta.js';
import { canonicalJson, compareStrings } from './names.js';
import { compareRoutes } from './sorter.js';
import type {
  Cluster,
  Dag,
  Route,
  SecureVirtualHost,
  TcpProxy,
  TlsSecret,
  TlsVersion,
  WeightedCluster,
} from './types.js';

/** A virtual host being filled in. */
export interface VirtualHostDraft {
  fqdn: string;
  source: ObjectRef;
  /** Routes keyed by their match: a later route with the same match replaces an earlier one (as Contour). */
  routes: Map<string, Route>;
}

export interface SecureVirtualHostDraft extends VirtualHostDraft {
  secret?: string;
  fallbackSecret?: string;
  minTlsVersion: TlsVersion;
  maxTlsVersion: TlsVersion;
  tcpProxy?: TcpProxy;
}

/** Mutable DAG state shared by the processors of one build. */
export interface DagAccumulator {
  httpVirtualHost(fqdn: string, source: ObjectRef): VirtualHostDraft;
  httpsVirtualHost(fqdn: string, source: ObjectRef): SecureVirtualHostDraft;
  addRoute(host: VirtualHostDraft, route: Route): void;
  addCluster(cluster: Cluster): void;
  addSecret(secret: TlsSecret): void;
  /** The finished DAG: empty virtual hosts dropped, only referenced clusters and secrets, all sorted. */
  finish(): Dag;
}

const sortWeighted = (clusters: WeightedCluster[]): WeightedCluster[] =>
  [...clusters].sort(
    (a, b) =>
      compareStrings(a.cluster, b.cluster) ||
      a.weight - b.weight ||
      compareStrings(canonicalJson(a), canonicalJson(b)),
  );

const finishRoute = (route: Route): Route => ({
  ...route,
  action:
    route.action.kind === 'cluster'
      ? { ...route.action, clusters: sortWeighted(route.action.clusters) }
      : route.action,
  mirrors: sortWeighted(route.mirrors),
});

/** Creates an empty accumulator. */
export const createDagAccumulator = (): DagAccumulator => {
  const httpHosts = new Map<string, VirtualHostDraft>();
  const httpsHosts = new Map<string, SecureVirtualHostDraft>();
  const clusters = new Map<string, Cluster>();
  const secrets = new Map<string, TlsSecret>();

  return {
    httpVirtualHost(fqdn, source) {
      let host = httpHosts.get(fqdn);
      if (!host) {
        host = { fqdn, source, routes: new Map() };
        httpHosts.set(fqdn, host);
      }
      return host;
    },
    httpsVirtualHost(fqdn, source) {
      let host = httpsHosts.get(fqdn);
      if (!host) {
        host = { fqdn, source, routes: new Map(), minTlsVersion: '1.2', maxTlsVersion: '1.3' };
        httpsHosts.set(fqdn, host);
      }
      return host;
    },
    addRoute(host, route) {
      host.routes.set(canonicalJson(route.match), route);
    },
    addCluster(cluster) {
      clusters.set(cluster.name, cluster);
    },
    addSecret(secret) {
      secrets.set(secret.name, secret);
    },
    finish() {
      const usedClusters = new Set<string>();
      const usedSecrets = new Set<string>();
      const useWeighted = (list: WeightedCluster[]): void =>
        list.forEach((entry) => usedClusters.add(entry.cluster));
      const sortedRoutes = (host: VirtualHostDraft): Route[] => {
        const routes = [...host.routes.values()].map(finishRoute).sort(compareRoutes);
        for (const route of routes) {
          if (route.action.kind === 'cluster') useWeighted(route.action.clusters);
          useWeighted(route.mirrors);
        }
        return routes;
      };
      const byFqdn = (a: { fqdn: string }, b: { fqdn: string }): number => compareStrings(a.fqdn, b.fqdn);

      const httpVirtualHosts = [...httpHosts.values()]
        .filter((host) => host.routes.size > 0)
        .sort(byFqdn)
        .map((host) => ({ fqdn: host.fqdn, routes: sortedRoutes(host), source: host.source }));

      const httpsVirtualHosts: SecureVirtualHost[] = [...httpsHosts.values()]
        // As Contour: served when it terminates TLS for some routes, or proxies TCP (passthrough needs no secret).
        .filter((host) => (host.secret !== undefined && host.routes.size > 0) || host.tcpProxy !== undefined)
        .sort(byFqdn)
        .map((host) => {
          const tcpProxy = host.tcpProxy
            ? { ...host.tcpProxy, clusters: sortWeighted(host.tcpProxy.clusters) }
            : undefined;
          if (tcpProxy) useWeighted(tcpProxy.clusters);
          if (host.secret) usedSecrets.add(host.secret);
          if (host.fallbackSecret) usedSecrets.add(host.fallbackSecret);
          return {
            fqdn: host.fqdn,
            routes: sortedRoutes(host),
            source: host.source,
            ...(host.secret ? { secret: host.secret } : {}),
            ...(host.fallbackSecret ? { fallbackSecret: host.fallbackSecret } : {}),
            minTlsVersion: host.minTlsVersion,
            maxTlsVersion: host.maxTlsVersion,
            ...(tcpProxy ? { tcpProxy } : {}),
          };
        });

      const clusterList = [...usedClusters]
        .map((name) => clusters.get(name))
        .filter((cluster): cluster is Cluster => cluster !== undefined)
        .sort((a, b) => compareStrings(a.name, b.name));
      for (const cluster of clusterList) {
        if (cluster.upstreamValidation) usedSecrets.add(cluster.upstreamValidation.caSecret);
        if (cluster.clientCertificate) usedSecrets.add(cluster.clientCertificate);
      }
      const secretList = [...usedSecrets]
        .map((name) => secrets.get(name))
        .filter((secret): secret is TlsSecret => secret !== undefined)
        .sort((a, b) => compareStrings(a.name, b.name));

      return { httpVirtualHosts, httpsVirtualHosts, clusters: clusterList, secrets: secretList };
    },
  };
};
