// The routing graph of the incremental build: HTTPProxies and Ingresses linked to the host names they
// claim and the proxies they include. Objects in one connected component can affect each other's
// output (duplicate fqdns, includes, orphans, Ingress and HTTPProxy routes on one host); objects in
// different components cannot, so each component (a "unit") is built on its own.
// Linking too much only makes units bigger; linking too little would be a bug, so links are generous.
import type { KubeObject } from '../apis/meta.js';
import { multisetAdd, multisetRemove, multisetValues, type SmallMultiset } from '../store/small-multiset.js';

/** Kinds whose objects are nodes of the graph (each belongs to exactly one unit). */
export const routingKinds = ['HTTPProxy', 'Ingress'] as const;

/** Whether a kind is a routing kind. */
export const isRoutingKind = (kind: string): boolean => kind === 'HTTPProxy' || kind === 'Ingress';

const hostNode = (host: string): string => `host:${host.trim().toLowerCase()}`;

const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** The nodes an object links to, read defensively: specs here have not been validated yet. */
export const linksOf = (object: KubeObject): string[] => {
  const namespace = object.metadata.namespace ?? '';
  const spec = asRecord(object.spec) ?? {};
  const links: string[] = [];
  if (object.kind === 'HTTPProxy') {
    const fqdn = asRecord(spec.virtualhost)?.fqdn;
    if (typeof fqdn === 'string') links.push(hostNode(fqdn));
    for (const include of asArray(spec.includes)) {
      const entry = asRecord(include);
      if (typeof entry?.name !== 'string') continue;
      const target =
        typeof entry.namespace === 'string' && entry.namespace !== '' ? entry.namespace : namespace;
      links.push(`HTTPProxy/${target}/${entry.name}`);
    }
    const tcpInclude = asRecord(asRecord(spec.tcpproxy)?.include);
    if (typeof tcpInclude?.name === 'string') {
      const target =
        typeof tcpInclude.namespace === 'string' && tcpInclude.namespace !== ''
          ? tcpInclude.namespace
          : namespace;
      links.push(`HTTPProxy/${target}/${tcpInclude.name}`);
    }
  } else if (object.kind === 'Ingress') {
    // Host-less rules and the default backend land on the `*` virtual host.
    if (spec.defaultBackend !== undefined) links.push(hostNode('*'));
    for (const rule of asArray(spec.rules)) {
      const host = asRecord(rule)?.host;
      links.push(hostNode(typeof host === 'string' && host !== '' ? host : '*'));
    }
    for (const tls of asArray(spec.tls)) {
      for (const host of asArray(asRecord(tls)?.hosts))
        if (typeof host === 'string') links.push(hostNode(host));
    }
  }
  return [...new Set(links)].sort();
};

/** An undirected multigraph over node keys, where each object node owns its outgoing links. */
export interface RoutingGraph {
  /** Replaces the links of node `key` (an object key); an empty list removes them. */
  setLinks(key: string, links: string[]): void;
  /** The links node `key` currently owns. */
  linksOf(key: string): readonly string[];
  /** Every node connected to `start` (itself included). */
  component(start: string, visit?: (node: string) => void): Set<string>;
}

/** Creates an empty routing graph. */
export const createRoutingGraph = (): RoutingGraph => {
  const owned = new Map<string, string[]>();
  // Neighbours of each node, once per link between the two (links from both sides count).
  const adjacent = new Map<string, SmallMultiset<string>>();

  const link = (from: string, to: string): void => {
    adjacent.set(from, multisetAdd(adjacent.get(from), to));
  };
  const unlink = (from: string, to: string): void => {
    const neighbours = multisetRemove(adjacent.get(from), to);
    if (neighbours === undefined) adjacent.delete(from);
    else adjacent.set(from, neighbours);
  };

  return {
    setLinks(key, links) {
      for (const target of owned.get(key) ?? []) {
        unlink(key, target);
        unlink(target, key);
      }
      if (links.length === 0) owned.delete(key);
      else owned.set(key, links);
      for (const target of links) {
        link(key, target);
        link(target, key);
      }
    },
    linksOf: (key) => owned.get(key) ?? [],
    component(start, visit) {
      const seen = new Set<string>([start]);
      const queue = [start];
      while (queue.length > 0) {
        const node = queue.pop()!;
        visit?.(node);
        for (const neighbour of multisetValues(adjacent.get(node))) {
          if (seen.has(neighbour)) continue;
          seen.add(neighbour);
          queue.push(neighbour);
        }
      }
      return seen;
    },
  };
};
