// fast-check generators for HTTPProxy worlds: a few Services and Secrets plus random roots and children
// with includes, conditions and services drawn from small pools so they refer to each other.
import fc from 'fast-check';
import type { KubeObject } from '../../src/apis/meta.js';
import { b64, certA, keyA } from './fixtures.js';

const namespaces = ['default', 'team'] as const;
const serviceNames = ['web', 'api', 'missing'] as const;
const proxyNames = ['root-a', 'root-b', 'child-a', 'child-b', 'child-c'] as const;
const fqdns = ['a.example.com', 'b.example.com', '*.example.com'] as const;
const headerNames = ['x-a', 'x-b', ':method'] as const;

/** Fixed backing objects every generated world shares. */
export const baseObjects = (): KubeObject[] => [
  ...namespaces.flatMap((namespace) => [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { namespace, name: 'web' },
      spec: { ports: [{ name: 'http', port: 80 }, { port: 8080 }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        namespace,
        name: 'api',
        annotations: { 'projectcontour.io/upstream-protocol.h2c': '8080' },
      },
      spec: { ports: [{ name: 'grpc', port: 8080 }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { namespace, name: 'cert' },
      data: { 'tls.crt': b64(certA), 'tls.key': b64(keyA) },
    },
  ]),
];

const headerCondition = fc.record(
  {
    name: fc.constantFrom(...headerNames),
    present: fc.constant(true),
    exact: fc.constantFrom('1', '2'),
    contains: fc.constantFrom('a', 'b'),
    notexact: fc.constantFrom('1', '3'),
    ignoreCase: fc.boolean(),
  },
  { requiredKeys: ['name'] },
);

const queryCondition = fc.record(
  {
    name: fc.constantFrom('q', 'r'),
    exact: fc.constantFrom('1', '2'),
    prefix: fc.constant('p'),
    present: fc.constant(true),
  },
  { requiredKeys: ['name'] },
);

const extraConditions = fc.array(
  fc.oneof(
    headerCondition.map((header) => ({ header })),
    queryCondition.map((queryParameter) => ({ queryParameter })),
  ),
  { maxLength: 3 },
);

const routeService = fc.record(
  {
    name: fc.constantFrom(...serviceNames),
    port: fc.constantFrom(80, 8080, 9999),
    weight: fc.integer({ min: 0, max: 100 }),
    protocol: fc.constantFrom('h2', 'h2c', 'tls'),
    mirror: fc.boolean(),
  },
  { requiredKeys: ['name', 'port'] },
);

// Each route gets a distinct path (its index) so no two routes of one proxy share a match.
const route = (index: number) =>
  fc
    .record(
      {
        path: fc.constantFrom('prefix', 'exact', 'regex'),
        extra: extraConditions,
        services: fc.array(routeService, { minLength: 1, maxLength: 3 }),
        permitInsecure: fc.boolean(),
        enableWebsockets: fc.boolean(),
        timeoutPolicy: fc.record({ response: fc.constantFrom('1s', 'infinity', '2m') }),
        retryPolicy: fc.record({ count: fc.integer({ min: -1, max: 5 }) }),
      },
      { requiredKeys: ['path', 'extra', 'services'] },
    )
    .map(({ path, extra, ...rest }) => ({
      conditions: [{ [path]: path === 'regex' ? `/r${index}/[a-z]+` : `/r${index}` }, ...extra],
      ...rest,
    }));

const routes = fc
  .integer({ min: 0, max: 3 })
  .chain((count) => fc.tuple(...Array.from({ length: count }, (_, index) => route(index))));

// Include prefixes are distinct per include, so include order never decides which include is a duplicate.
const includes = fc
  .array(
    fc.record({
      name: fc.constantFrom(...proxyNames),
      namespace: fc.constantFrom(...namespaces),
      extra: extraConditions,
    }),
    { maxLength: 3 },
  )
  .map((list) =>
    list.map(({ extra, ...include }, index) => ({
      ...include,
      conditions: [{ prefix: `/i${index}` }, ...extra],
    })),
  );

const proxySpec = (isRoot: boolean) =>
  fc.record({
    routes,
    includes,
    virtualhost: isRoot
      ? fc.record(
          {
            fqdn: fc.constantFrom(...fqdns),
            tls: fc.record({ secretName: fc.constantFrom('cert', 'default/cert', 'nope') }),
          },
          { requiredKeys: ['fqdn'] },
        )
      : fc.constant(undefined),
  });

/** A world of HTTPProxies (specs valid against the schema, semantics random). */
export const proxyWorld = fc
  .array(
    fc
      .record({ namespace: fc.constantFrom(...namespaces), name: fc.constantFrom(...proxyNames) })
      .chain(({ namespace, name }) =>
        proxySpec(name.startsWith('root')).map((spec) => ({
          apiVersion: 'projectcontour.io/v1',
          kind: 'HTTPProxy',
          metadata: { namespace, name },
          spec: JSON.parse(JSON.stringify(spec)) as unknown,
        })),
      ),
    { maxLength: 6 },
  )
  .map((proxies) => {
    // One object per namespace/name, as in a real cluster.
    const unique = new Map<string, KubeObject>();
    for (const proxy of proxies) unique.set(`${proxy.metadata.namespace}/${proxy.metadata.name}`, proxy);
    return [...unique.values()];
  });

/** Deterministically permutes an array with a seed (a tiny LCG), so shrinking stays reproducible. */
export const permute = <T>(items: readonly T[], seed: number): T[] => {
  const result = [...items];
  let state = seed >>> 0 || 1;
  for (let index = result.length - 1; index > 0; index--) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    const other = state % (index + 1);
    [result[index], result[other]] = [result[other], result[index]];
  }
  return result;
};

/** Reorders every order-insensitive array inside an HTTPProxy spec: routes, services, conditions, includes. */
export const permuteSpec = (object: KubeObject, seed: number): KubeObject => {
  const spec = JSON.parse(JSON.stringify(object.spec ?? {})) as {
    routes?: { conditions?: unknown[]; services?: unknown[] }[];
    includes?: { conditions?: unknown[] }[];
  };
  const reorderConditions = (conditions: unknown[] | undefined): unknown[] | undefined =>
    conditions ? permute(conditions, seed + 7) : conditions;
  if (spec.routes) {
    spec.routes = permute(spec.routes, seed).map((entry) => ({
      ...entry,
      conditions: reorderConditions(entry.conditions),
      services: entry.services ? permute(entry.services, seed + 3) : entry.services,
    }));
  }
  if (spec.includes) {
    spec.includes = permute(spec.includes, seed + 1).map((entry) => ({
      ...entry,
      conditions: reorderConditions(entry.conditions),
    }));
  }
  return { ...object, spec };
};
