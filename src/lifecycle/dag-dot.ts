// The DAG as a Graphviz digraph, for `curl …/debug/dag | dot -Tpng` as with Contour: listeners →
// virtual hosts → routes → clusters → services, TLS hosts → their secrets (and fallback certificate), TCP
// proxies → clusters.
// Built from names only: no certificate or key material ever reaches the output.
import type { Cluster, Dag, Route, VirtualHost, WeightedCluster } from '../dag/types.js';

// Inside a double-quoted DOT string only `"` and `\` are special.
const quoted = (text: string): string => `"${text.replace(/[\\"]/g, (character) => `\\${character}`)}"`;
// Inside a record label `{ } | < >` (and spaces at the ends) are structure: escape them as text.
const recordText = (text: string): string => text.replace(/[\\"{}|<>]/g, (character) => `\\${character}`);

const pathText = (route: Route): string => {
  const { path, headers, queryParams } = route.match;
  const conditions = [`${path.kind}: ${path.value}`];
  if (headers.length > 0) conditions.push(`headers: ${headers.map((header) => header.name).join(', ')}`);
  if (queryParams.length > 0) conditions.push(`query: ${queryParams.map((param) => param.name).join(', ')}`);
  return conditions.join(' ');
};

const actionText = (route: Route, plaintext: boolean): string | undefined => {
  if (plaintext && route.httpsRedirect) return 'redirect to https';
  if (route.action.kind === 'redirect') return `redirect ${route.action.statusCode}`;
  if (route.action.kind === 'directResponse') return `direct response ${route.action.statusCode}`;
  return undefined;
};

/** Renders the DAG as a DOT digraph (deterministic: the DAG is sorted, nodes and edges follow it). */
export const dagToDot = (dag: Dag): string => {
  const nodes = new Map<string, string>();
  const edges = new Map<string, string>();
  const node = (id: string, label: string): string => {
    if (!nodes.has(id)) nodes.set(id, `${quoted(id)} [shape=record, label=${quoted(`{${label}}`)}]`);
    return id;
  };
  const edge = (from: string, to: string, label?: string): void => {
    const line = `${quoted(from)} -> ${quoted(to)}${label ? ` [label=${quoted(label)}]` : ''}`;
    edges.set(`${from}\u0000${to}\u0000${label ?? ''}`, line);
  };
  const clusters = new Map(dag.clusters.map((cluster) => [cluster.name, cluster]));
  const secrets = new Map(dag.secrets.map((secret) => [secret.name, secret]));

  const secretNode = (name: string): string => {
    const source = secrets.get(name)?.source;
    return node(
      `secret/${name}`,
      `secret|${recordText(source ? `${source.namespace}/${source.name}` : name)}`,
    );
  };
  const clusterNode = (name: string): string => {
    const id = node(`cluster/${name}`, `cluster|${recordText(name)}`);
    const cluster: Cluster | undefined = clusters.get(name);
    if (cluster) {
      const { namespace, name: service, port } = cluster.service;
      const upstream = cluster.externalName ? `${service} (${cluster.externalName})` : service;
      edge(
        id,
        node(
          `service/${namespace}/${service}/${port}`,
          `service|${recordText(`${namespace}/${upstream}:${port}`)}`,
        ),
      );
      if (cluster.upstreamValidation) edge(id, secretNode(cluster.upstreamValidation.caSecret), 'CA');
    }
    return id;
  };
  const toClusters = (from: string, weighted: readonly WeightedCluster[], kind?: string): void => {
    for (const target of weighted) {
      const weight = weighted.length > 1 ? `weight ${target.weight}` : undefined;
      edge(from, clusterNode(target.cluster), [kind, weight].filter(Boolean).join(' ') || undefined);
    }
  };
  const virtualHost = (listener: string, host: VirtualHost, scheme: 'http' | 'https'): string => {
    const id = node(`${scheme}/${host.fqdn}`, recordText(`${scheme}://${host.fqdn}`));
    edge(listener, id);
    host.routes.forEach((route, index) => {
      const action = actionText(route, scheme === 'http');
      const routeId = node(
        `${id}/route/${index}`,
        recordText(pathText(route)) + (action ? `|${recordText(action)}` : ''),
      );
      edge(id, routeId);
      if (!action && route.action.kind === 'cluster') toClusters(routeId, route.action.clusters);
      toClusters(routeId, route.mirrors, 'mirror');
    });
    return id;
  };

  if (dag.httpVirtualHosts.length > 0) {
    const listener = node('listener/ingress_http', 'listener|ingress_http');
    for (const host of dag.httpVirtualHosts) virtualHost(listener, host, 'http');
  }
  if (dag.httpsVirtualHosts.length > 0) {
    const listener = node('listener/ingress_https', 'listener|ingress_https');
    for (const host of dag.httpsVirtualHosts) {
      const id = virtualHost(listener, host, 'https');
      if (host.secret) edge(id, secretNode(host.secret));
      if (host.fallbackSecret) edge(id, secretNode(host.fallbackSecret), 'fallback');
      if (host.tcpProxy) {
        const proxy = node(`${id}/tcpproxy`, host.tcpProxy.passthrough ? 'tcpproxy|passthrough' : 'tcpproxy');
        edge(id, proxy);
        toClusters(proxy, host.tcpProxy.clusters);
      }
    }
  }
  return ['digraph DAG {', 'rankdir="LR"', ...nodes.values(), ...edges.values(), '}', ''].join('\n');
};
