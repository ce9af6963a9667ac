// Hostile include graphs, and a build summarized for assertions (run in a worker by includes.test.ts).
import type { KubeObject } from '../../src/apis/meta.js';
import { buildDag, defaultBuildOptions } from '../../src/dag/build.js';
import type { InputLimits } from '../../src/dag/limits.js';
import { createStore } from '../../src/store/store.js';

const proxy = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'projectcontour.io/v1',
  kind: 'HTTPProxy',
  metadata: { namespace: 'default', name },
  spec,
});

const service: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace: 'default', name: 'web' },
  spec: { ports: [{ port: 80 }] },
};

/** A well-behaved root on another host: it must keep being served whatever the hostile root does. */
const bystander = proxy('bystander', {
  virtualhost: { fqdn: 'bystander.example.com' },
  routes: [{ services: [{ name: 'web', port: 80 }] }],
});

/** A root including p1, which includes p2, … down to p`depth`, which has one route. */
export const includeChain = (depth: number): KubeObject[] => [
  service,
  bystander,
  proxy('root', { virtualhost: { fqdn: 'chain.example.com' }, includes: [{ name: 'p1' }] }),
  ...Array.from({ length: depth }, (_, index) =>
    index + 1 < depth
      ? proxy(`p${index + 1}`, { includes: [{ name: `p${index + 2}` }] })
      : proxy(`p${index + 1}`, { routes: [{ services: [{ name: 'web', port: 80 }] }] }),
  ),
];

/** A root and `count` proxies, each including the next twice (`/a` and `/b`): 2^count routes unbounded. */
export const includeDiamond = (count: number): KubeObject[] => [
  service,
  bystander,
  proxy('root', { virtualhost: { fqdn: 'diamond.example.com' }, includes: [{ name: 'd1' }] }),
  ...Array.from({ length: count }, (_, index) =>
    index + 1 < count
      ? proxy(`d${index + 1}`, {
          includes: [
            { name: `d${index + 2}`, conditions: [{ prefix: '/a' }] },
            { name: `d${index + 2}`, conditions: [{ prefix: '/b' }] },
          ],
        })
      : proxy(`d${index + 1}`, { routes: [{ services: [{ name: 'web', port: 80 }] }] }),
  ),
];

/** A TLS-passthrough root whose tcpproxy include chain is `depth` proxies long. */
export const tcpIncludeChain = (depth: number): KubeObject[] => [
  service,
  bystander,
  proxy('root', {
    virtualhost: { fqdn: 'tcp.example.com', tls: { passthrough: true } },
    tcpproxy: { include: { name: 't1' } },
  }),
  ...Array.from({ length: depth }, (_, index) =>
    index + 1 < depth
      ? proxy(`t${index + 1}`, { tcpproxy: { include: { name: `t${index + 2}` } } })
      : proxy(`t${index + 1}`, { tcpproxy: { services: [{ name: 'web', port: 80 }] } }),
  ),
];

/** What the tests look at: the root's status, and the routes of each served host. */
export interface BuildSummary {
  rootStatus: string | undefined;
  rootErrors: string[];
  routesByHost: Record<string, number>;
  tcpHosts: string[];
}

const worlds = { includeChain, includeDiamond, tcpIncludeChain };

/** Builds a generated world and summarizes it. */
export const buildWorld = (
  world: keyof typeof worlds,
  size: number,
  limits: Partial<InputLimits> = {},
): BuildSummary => {
  const store = createStore();
  for (const object of worlds[world](size)) store.apply({ type: 'upsert', object });
  const { dag, statuses } = buildDag(store, { ...defaultBuildOptions, limits });
  const root = statuses.find((status) => status.name === 'root');
  return {
    rootStatus: root?.currentStatus,
    rootErrors: (root?.conditions ?? []).flatMap((condition) =>
      (condition.errors ?? []).map((error) => `${error.reason}: ${error.message}`),
    ),
    routesByHost: Object.fromEntries(dag.httpVirtualHosts.map((host) => [host.fqdn, host.routes.length])),
    tcpHosts: dag.httpsVirtualHosts.filter((host) => host.tcpProxy).map((host) => host.fqdn),
  };
};
