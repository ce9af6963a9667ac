// Random DAGs through translate: it never throws, everything encodes, and DAGs made of valid
// values always give resources that pass Envoy's validation rules.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { toBinary, type DescMessage, type Message } from '@bufbuild/protobuf';
import { translate, defaultTranslateOptions } from '../../src/assemble/translate.js';
import { envoyRegistry } from '../../src/envoy/registry.js';
import { createResourceChecker, type Rejection } from '../../src/assemble/resource-check.js';
import type { EnvoyResources, ResourceType } from '../../src/envoy/resources.js';
import type {
  Cluster,
  Dag,
  HeaderMatch,
  Route,
  RouteAction,
  SecureVirtualHost,
  VirtualHost,
} from '../../src/dag/types.js';
import { storeWith, tlsSecret } from './fixtures.js';
import { kitchenSinkSlices } from './kitchen-sink.js';

const source = { kind: 'HTTPProxy', namespace: 'default', name: 'fuzz' };
const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
const fqdn = fc.oneof(
  fc.tuple(label, label).map(([a, b]) => `${a}.${b}.example.com`),
  label.map((a) => `*.${a}.example.com`),
);
const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
const pathValue = fc.stringMatching(/^\/[a-z0-9/_-]{0,12}$/);
const ms = fc.integer({ min: 0, max: 3_600_000 });

const clusterArb: fc.Arbitrary<Cluster> = fc
  .record({
    service: label,
    port: fc.integer({ min: 1, max: 65535 }),
    portName: fc.option(label, { nil: undefined }),
    protocol: fc.option(fc.constantFrom('h2' as const, 'h2c' as const, 'tls' as const), { nil: undefined }),
    externalName: fc.option(
      fc.tuple(label, label).map(([a, b]) => `${a}.${b}.example.org`),
      { nil: undefined },
    ),
    loadBalancerPolicy: fc.option(
      fc.constantFrom(
        'RoundRobin' as const,
        'WeightedLeastRequest' as const,
        'Random' as const,
        'RequestHash' as const,
        'Cookie' as const,
      ),
      { nil: undefined },
    ),
    validate: fc.boolean(),
  })
  .map(({ service, port, portName, protocol, externalName, loadBalancerPolicy, validate }) => ({
    name: `default/${service}/${port}/0123456789`,
    edsName: `default/${service}/${portName ?? port}`,
    service: { namespace: 'default', name: service, port, portName },
    protocol,
    externalName,
    loadBalancerPolicy,
    sni: protocol === 'tls' || protocol === 'h2' ? `${service}.internal` : undefined,
    upstreamValidation:
      validate && protocol === 'tls'
        ? { caSecret: 'default/ca/0000000000', subjectName: `${service}.internal` }
        : undefined,
  }));

const headerMatchArb: fc.Arbitrary<HeaderMatch> = fc.record({
  name: headerName,
  kind: fc.constantFrom('present' as const, 'exact' as const, 'contains' as const, 'regex' as const),
  value: fc.constantFrom('a', 'b.*', 'value'),
  invert: fc.boolean(),
  ignoreCase: fc.boolean(),
  treatMissingAsEmpty: fc.boolean(),
});

const routeArb = (clusters: Cluster[]): fc.Arbitrary<Route> => {
  const weighted = fc.array(
    fc.record({
      cluster: fc.constantFrom(...clusters.map((c) => c.name)),
      weight: fc.integer({ min: 0, max: 100 }),
    }),
    { minLength: 1, maxLength: 3 },
  );
  const action: fc.Arbitrary<RouteAction> = fc.oneof(
    weighted.map((ws) => ({ kind: 'cluster' as const, clusters: ws })),
    fc.record({
      kind: fc.constant('directResponse' as const),
      statusCode: fc.integer({ min: 200, max: 599 }),
    }),
    fc.record({
      kind: fc.constant('redirect' as const),
      scheme: fc.option(fc.constantFrom('http' as const, 'https' as const), { nil: undefined }),
      hostname: fc.option(fqdn, { nil: undefined }),
      statusCode: fc.constantFrom(301 as const, 302 as const, 303 as const, 307 as const, 308 as const),
    }),
  );
  return fc.record({
    match: fc.record({
      path: fc.oneof(
        fc.record({ kind: fc.constant('prefix' as const), value: pathValue, segment: fc.boolean() }),
        fc.record({ kind: fc.constant('exact' as const), value: pathValue }),
        fc.record({ kind: fc.constant('regex' as const), value: fc.constantFrom('/a.*', '/v[0-9]+') }),
      ),
      headers: fc.array(headerMatchArb, { maxLength: 2 }),
      queryParams: fc.array(
        fc.record({
          name: headerName,
          kind: fc.constantFrom(
            'exact' as const,
            'prefix' as const,
            'suffix' as const,
            'regex' as const,
            'contains' as const,
            'present' as const,
          ),
          value: fc.constant('x'),
          ignoreCase: fc.boolean(),
        }),
        { maxLength: 2 },
      ),
    }),
    action,
    httpsRedirect: fc.boolean(),
    websocket: fc.boolean(),
    timeout: fc.option(
      fc.record({ responseMs: fc.option(ms, { nil: undefined }), idleMs: fc.option(ms, { nil: undefined }) }),
      { nil: undefined },
    ),
    retry: fc.option(
      fc.record({
        retryOn: fc.array(fc.constantFrom('5xx', 'gateway-error', 'reset'), { maxLength: 2 }),
        numRetries: fc.integer({ min: 0, max: 10 }),
        perTryTimeoutMs: fc.option(fc.integer({ min: 1, max: 10_000 }), { nil: undefined }),
        retriableStatusCodes: fc.array(fc.integer({ min: 500, max: 599 }), { maxLength: 2 }),
      }),
      { nil: undefined },
    ),
    requestHeaders: fc.option(
      fc.record({
        set: fc.array(fc.record({ name: headerName, value: fc.constantFrom('v', '%REQ(x)%') }), {
          maxLength: 2,
        }),
        remove: fc.array(headerName, { maxLength: 2 }),
        hostRewrite: fc.option(fqdn, { nil: undefined }),
      }),
      { nil: undefined },
    ),
    prefixRewrite: fc.option(pathValue, { nil: undefined }),
    mirrors: fc.array(
      fc.record({
        cluster: fc.constantFrom(...clusters.map((c) => c.name)),
        weight: fc.integer({ min: 0, max: 100 }),
      }),
      { maxLength: 1 },
    ),
    source: fc.constant(source),
  });
};

const dagArb: fc.Arbitrary<Dag> = fc
  .uniqueArray(clusterArb, { minLength: 1, maxLength: 5, selector: (c) => c.name })
  .chain((clusters) => {
    const routes = fc.array(routeArb(clusters), { minLength: 1, maxLength: 4 });
    const httpHost: fc.Arbitrary<VirtualHost> = fc.record({ fqdn, routes, source: fc.constant(source) });
    const secureHost: fc.Arbitrary<SecureVirtualHost> = fc
      .record({
        fqdn,
        routes,
        source: fc.constant(source),
        minTlsVersion: fc.constantFrom('1.2' as const, '1.3' as const),
        maxTlsVersion: fc.constantFrom('1.2' as const, '1.3' as const),
        passthrough: fc.boolean(),
        tcp: fc.boolean(),
      })
      .map(({ passthrough, tcp, ...host }) => ({
        ...host,
        secret: passthrough ? undefined : `default/${host.fqdn.replace('*', 'wild')}/0123456789`,
        tcpProxy:
          tcp || passthrough
            ? { passthrough, clusters: [{ cluster: clusters[0].name, weight: 1 }] }
            : undefined,
      }));
    return fc
      .record({
        httpVirtualHosts: fc.uniqueArray(httpHost, { maxLength: 3, selector: (h) => h.fqdn }),
        httpsVirtualHosts: fc.uniqueArray(secureHost, { maxLength: 3, selector: (h) => h.fqdn }),
        clusters: fc.constant(clusters),
      })
      .map((partial) => ({
        ...partial,
        secrets: [
          ...partial.httpsVirtualHosts.flatMap((host) => (host.secret ? [tlsSecret(host.secret)] : [])),
          {
            name: 'default/ca/0000000000',
            source: { namespace: 'default', name: 'ca' },
            caCertificate: 'CA',
          },
        ],
      }));
  });

const encodeAll = (resources: EnvoyResources): void => {
  for (const message of [
    ...resources.listeners,
    ...resources.routes,
    ...resources.clusters,
    ...resources.endpoints,
    ...resources.secrets,
  ] as Message[]) {
    toBinary(envoyRegistry.getMessage(message.$typeName) as DescMessage, message);
  }
};

/** What the assembly's check (Envoy's validate rules) would withhold of `resources`. */
const rejectionsOf = (resources: EnvoyResources): Rejection[] => {
  const checker = createResourceChecker();
  const lists: [ResourceType, Message[]][] = [
    ['cluster', resources.clusters],
    ['endpoint', resources.endpoints],
    ['listener', resources.listeners],
    ['route', resources.routes],
    ['secret', resources.secrets],
  ];
  return lists.flatMap(([type, messages]) =>
    messages.flatMap((message) => checker.check(type, message, []).rejection ?? []),
  );
};

describe('translate fuzzing', () => {
  const store = storeWith(...kitchenSinkSlices());

  it('valid random DAGs give resources that encode and pass validation', () => {
    let translatedRoutes = 0;
    fc.assert(
      fc.property(dagArb, (dag) => {
        const resources = translate(dag, store, defaultTranslateOptions);
        encodeAll(resources);
        assert.deepEqual(rejectionsOf(resources), []);
        for (const config of resources.routes)
          for (const host of config.virtualHosts) translatedRoutes += host.routes.length;
      }),
      { numRuns: 150 },
    );
    // The generator must actually exercise routes, or the property says nothing.
    assert.ok(translatedRoutes > 150, `only ${translatedRoutes} routes translated`);
  });

  it('out-of-range numbers and empty strings never make translate or encoding throw', () => {
    const wild = fc.oneof(fc.integer(), fc.constant(Number.NaN), fc.constant(-1), fc.constant(2 ** 40));
    fc.assert(
      fc.property(dagArb, wild, wild, (dag, a, b) => {
        const bent: Dag = {
          ...dag,
          clusters: dag.clusters.map((c) => ({ ...c, service: { ...c.service, port: a } })),
          httpVirtualHosts: dag.httpVirtualHosts.map((host) => ({
            ...host,
            fqdn: '',
            routes: host.routes.map((r) => ({
              ...r,
              action:
                r.action.kind === 'cluster'
                  ? { ...r.action, clusters: r.action.clusters.map((c) => ({ ...c, weight: b })) }
                  : r.action,
              retry: r.retry && { ...r.retry, numRetries: a },
              mirrors: r.mirrors.map((m) => ({ ...m, weight: b })),
            })),
          })),
        };
        const resources = translate(bent, store, { ...defaultTranslateOptions, httpPort: a });
        encodeAll(resources);
        rejectionsOf(resources);
      }),
      { numRuns: 100 },
    );
  });
});
