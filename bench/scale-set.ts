// The scale set: a deterministic population of HTTPProxies, Services, EndpointSlices and Secrets
// from a seed and a size. Same seed and size, same objects, in the same order.
import type { KubeObject } from '../src/apis/meta.js';
import { benchDomain, wildcardKeyPair } from './tls-fixture.js';

/** What to generate. */
export interface ScaleSetOptions {
  /** Number of sites: root HTTPProxies (each with its own fqdn), Services and EndpointSlices. */
  size: number;
  seed: number;
  /** Namespaces the sites are spread over (default: 10, fewer for small sizes). */
  namespaces?: number;
}

/** One generated site: which objects it consists of. */
export interface Site {
  index: number;
  namespace: string;
  fqdn: string;
  /** Name shared by the Service, the root HTTPProxy and (with TLS) the Secret. */
  name: string;
  tls: boolean;
  /** The root includes a child HTTPProxy that holds the routes. */
  included: boolean;
}

/** The generated objects, grouped by kind, each list in generation order. */
export interface ScaleSet {
  options: Required<ScaleSetOptions>;
  sites: Site[];
  namespaces: string[];
  httpProxies: KubeObject[];
  services: KubeObject[];
  endpointSlices: KubeObject[];
  secrets: KubeObject[];
}

/** Every object of a scale set, in an order a cluster can apply them (dependencies first). */
export const allObjects = (set: ScaleSet): KubeObject[] => [
  ...set.secrets,
  ...set.services,
  ...set.endpointSlices,
  ...set.httpProxies,
];

/** A small, fast, seedable PRNG (mulberry32): the generator must not depend on Math.random. */
export const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

const pathWords = ['api', 'static', 'assets', 'v1', 'v2', 'login', 'images', 'search', 'cart', 'admin'];

/** The IPv4 address of endpoint `endpoint` (0–2) of site `site`: unique per site and endpoint. */
export const endpointAddress = (site: number, endpoint: number): string => {
  const value = site * 3 + endpoint + 1;
  return `10.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
};

const pad = (index: number, size: number): string =>
  String(index).padStart(String(Math.max(size - 1, 1)).length, '0');

/** Generates the scale set for a seed and size. */
export const generateScaleSet = (options: ScaleSetOptions): ScaleSet => {
  const size = Math.max(0, Math.floor(options.size));
  const namespaceCount = Math.max(1, Math.min(options.namespaces ?? 10, Math.ceil(size / 20)));
  const resolved = { size, seed: options.seed, namespaces: namespaceCount };
  const random = seededRandom(options.seed);
  const namespaces = Array.from({ length: namespaceCount }, (_, i) => `bench-${i}`);

  // Which sites are TLS (a tenth) and which are reached through an include (a fifth): the first
  // entries of a seeded permutation, so the counts are exact and the choice depends on the seed.
  const order = Array.from({ length: size }, (_, i) => i);
  for (let i = size - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const tlsCount = Math.floor(size / 10);
  const includedCount = Math.floor(size / 5);
  const tlsSites = new Set(order.slice(0, tlsCount));
  const includedSites = new Set(order.slice(tlsCount, tlsCount + includedCount));

  const keyPair = tlsCount > 0 ? wildcardKeyPair() : undefined;
  const set: ScaleSet = {
    options: resolved,
    sites: [],
    namespaces,
    httpProxies: [],
    services: [],
    endpointSlices: [],
    secrets: [],
  };

  for (let index = 0; index < size; index++) {
    const namespace = namespaces[index % namespaceCount];
    const name = `site-${pad(index, size)}`;
    const site: Site = {
      index,
      namespace,
      name,
      fqdn: `${name}.${benchDomain}`,
      tls: tlsSites.has(index),
      included: includedSites.has(index),
    };
    set.sites.push(site);
    set.services.push(serviceOf(site));
    set.endpointSlices.push(endpointSliceOf(site, 0));
    const routes = routesOf(site, random);
    if (site.included) {
      set.httpProxies.push(rootProxyOf(site, undefined));
      set.httpProxies.push(childProxyOf(site, routes));
    } else {
      set.httpProxies.push(rootProxyOf(site, routes));
    }
    if (site.tls && keyPair) set.secrets.push(secretOf(site, keyPair.certificate, keyPair.privateKey));
  }
  return set;
};

const serviceOf = (site: Site): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: site.name, namespace: site.namespace, labels: { app: site.name } },
  spec: {
    type: 'ClusterIP',
    selector: { app: site.name },
    ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }],
  },
});

/** The EndpointSlice of a site; `generation` shifts one endpoint's address so edits are visible. */
export const endpointSliceOf = (site: Site, generation: number): KubeObject => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: {
    name: `${site.name}-abcde`,
    namespace: site.namespace,
    labels: { 'kubernetes.io/service-name': site.name, 'endpointslice.kubernetes.io/managed-by': 'bench' },
  },
  addressType: 'IPv4',
  endpoints: [0, 1, 2].map((endpoint) => ({
    addresses: [endpointAddress(site.index, endpoint)],
    conditions: { ready: true },
  })),
  ports: [{ name: 'http', protocol: 'TCP', port: 8080 + (generation % 1000) }],
});

type Route = Record<string, unknown>;

const routesOf = (site: Site, random: () => number): Route[] => {
  const service = [{ name: site.name, port: 80 }];
  const word = (): string => pathWords[Math.floor(random() * pathWords.length)];
  const first = word();
  const routes: Route[] = [
    { services: service },
    {
      conditions: [
        { prefix: `/${first}` },
        { header: { name: 'x-bench-tenant', exact: `tenant-${site.index}` } },
      ],
      services: service,
    },
  ];
  if (random() < 0.5) {
    let second = word();
    if (second === first) second = `${second}-2`;
    routes.push({ conditions: [{ prefix: `/${second}` }], services: service });
  }
  return routes;
};

const rootProxyOf = (site: Site, routes: Route[] | undefined): KubeObject => ({
  apiVersion: 'projectcontour.io/v1',
  kind: 'HTTPProxy',
  metadata: { name: site.name, namespace: site.namespace, generation: 1 },
  spec: {
    virtualhost: { fqdn: site.fqdn, ...(site.tls ? { tls: { secretName: site.name } } : {}) },
    ...(routes ? { routes } : { includes: [{ name: `${site.name}-child`, namespace: site.namespace }] }),
  },
});

const childProxyOf = (site: Site, routes: Route[]): KubeObject => ({
  apiVersion: 'projectcontour.io/v1',
  kind: 'HTTPProxy',
  metadata: { name: `${site.name}-child`, namespace: site.namespace, generation: 1 },
  spec: { routes },
});

const secretOf = (site: Site, certificate: string, privateKey: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  type: 'kubernetes.io/tls',
  metadata: { name: site.name, namespace: site.namespace },
  data: {
    'tls.crt': Buffer.from(certificate).toString('base64'),
    'tls.key': Buffer.from(privateKey).toString('base64'),
  },
});

/** The HTTPProxy that holds a site's routes (the child for included sites). */
export const routeHolderOf = (set: ScaleSet, site: Site): KubeObject => {
  const name = site.included ? `${site.name}-child` : site.name;
  const proxy = set.httpProxies.find(
    (candidate) => candidate.metadata.name === name && candidate.metadata.namespace === site.namespace,
  );
  if (!proxy) throw new Error(`scale set has no HTTPProxy ${site.namespace}/${name}`);
  return proxy;
};

/** A copy of a route-holding HTTPProxy whose header-condition route now matches a new tenant value. */
export const editedProxy = (proxy: KubeObject, generation: number): KubeObject => {
  const spec = structuredClone(proxy.spec) as { routes: Route[] };
  const headerRoute = spec.routes[1] as { conditions: Record<string, unknown>[] };
  headerRoute.conditions = [
    headerRoute.conditions[0],
    { header: { name: 'x-bench-tenant', exact: `edit-${generation}` } },
  ];
  return {
    ...proxy,
    metadata: { ...proxy.metadata, generation: (proxy.metadata.generation ?? 1) + generation },
    spec,
  };
};
