// The incremental build equals the full build (buildDag over the whole store) after every step of
// random edit sequences, and an event it calls irrelevant never changes the full build's result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { KubeObject, ObjectRef } from '../../src/apis/meta.js';
import { buildDag, defaultBuildOptions, type BuildOptions } from '../../src/dag/build.js';
import type { GlobalHeadersPolicy } from '../../src/dag/global-headers.js';
import { createIncrementalBuilder } from '../../src/dag/incremental.js';
import { createStore, type StoreEvent } from '../../src/store/store.js';
import { wildcardKeyPair } from '../../bench/tls-fixture.js';
import { toBinary } from '@bufbuild/protobuf';
import { createIncrementalEngine, type EncodedResources } from '../../src/assemble/incremental-engine.js';
import type { EnvoyResources } from '../../src/envoy/resources.js';
import type { UpstreamTlsParameters } from '../../src/envoy/tls-context.js';
import {
  defaultTranslateOptions,
  translateStore,
  type TranslateOptions,
} from '../../src/assemble/translate.js';
import { resourceSchemas, type CachedResource } from '../../src/xds/cache/cached-resource.js';
import { createSnapshotCache, type SnapshotCache } from '../../src/xds/cache/snapshot-cache.js';

const namespaces = ['a', 'b'];
const proxyNames = ['p0', 'p1', 'p2', 'p3', 'p4'];
const serviceNames = ['s0', 's1', 's2'];
const secretNames = ['t0', 't1'];
const ingressNames = ['i0', 'i1'];
// Two spellings of one host: duplicate-fqdn detection is case-insensitive.
const hosts = ['x.test', 'y.test', 'z.test', 'X.test'];

const pair = wildcardKeyPair();
const base64 = (text: string): string => Buffer.from(text).toString('base64');

const namespace = fc.constantFrom(...namespaces);

const route = fc.record({
  prefix: fc.option(fc.constantFrom('/', '/api', '/web'), { nil: undefined }),
  header: fc.boolean(),
  // RE2 regexes, valid or not (an invalid one is a status error, never Envoy config).
  regex: fc.option(fc.constantFrom('/api/[a-z]+', '/v[0-9]+/.*', '/(unclosed'), { nil: undefined }),
  headerRegex: fc.option(fc.constantFrom('^one|two$', '[', '.*'), { nil: undefined }),
  service: fc.constantFrom(...serviceNames, 'missing'),
  port: fc.constantFrom(80, 81),
});

const proxy = fc
  .record({
    namespace,
    name: fc.constantFrom(...proxyNames),
    fqdn: fc.option(fc.constantFrom(...hosts), { nil: undefined }),
    tls: fc.option(
      fc.record({ secret: fc.constantFrom(...secretNames, 'b/t0', 'a/t1'), fallback: fc.boolean() }),
      { nil: undefined },
    ),
    routes: fc.array(route, { maxLength: 3 }),
    // TLS passthrough or terminated TCP proxying instead of routes.
    tcpProxy: fc.option(
      fc.record({ passthrough: fc.boolean(), service: fc.constantFrom(...serviceNames, 'missing') }),
      { nil: undefined },
    ),
    includes: fc.array(
      fc.record({
        name: fc.constantFrom(...proxyNames),
        namespace: fc.option(namespace, { nil: undefined }),
      }),
      { maxLength: 2 },
    ),
    ingressClass: fc.constantFrom(undefined, undefined, undefined, 'other', 'contour'),
    specClass: fc.constantFrom(undefined, undefined, 'other', 'contour'),
  })
  .map((p): KubeObject => ({
    apiVersion: 'projectcontour.io/v1',
    kind: 'HTTPProxy',
    metadata: {
      namespace: p.namespace,
      name: p.name,
      generation: 1,
      ...(p.ingressClass ? { annotations: { 'projectcontour.io/ingress.class': p.ingressClass } } : {}),
    },
    spec: {
      ...(p.specClass ? { ingressClassName: p.specClass } : {}),
      ...(p.fqdn
        ? {
            virtualhost: {
              fqdn: p.fqdn,
              ...(p.tcpProxy?.passthrough
                ? { tls: { passthrough: true } }
                : p.tls
                  ? {
                      tls: {
                        secretName: p.tls.secret,
                        ...(p.tls.fallback ? { enableFallbackCertificate: true } : {}),
                      },
                    }
                  : {}),
            },
          }
        : {}),
      ...(p.tcpProxy ? { tcpproxy: { services: [{ name: p.tcpProxy.service, port: 80 }] } } : {}),
      routes: p.routes.map((r) => ({
        conditions: [
          ...(r.prefix ? [{ prefix: r.prefix }] : r.regex ? [{ regex: r.regex }] : []),
          ...(r.header ? [{ header: { name: 'x-tenant', exact: 'one' } }] : []),
          ...(r.headerRegex ? [{ header: { name: 'x-version', regex: r.headerRegex } }] : []),
        ],
        services: [{ name: r.service, port: r.port }],
      })),
      ...(p.includes.length > 0
        ? {
            includes: p.includes.map((i) => ({
              name: i.name,
              ...(i.namespace ? { namespace: i.namespace } : {}),
            })),
          }
        : {}),
    },
  }));

const service = fc
  .record({
    namespace,
    name: fc.constantFrom(...serviceNames),
    port: fc.constantFrom(80, 81),
    named: fc.boolean(),
    // Circuit breaker annotations (the build merges them with --config's defaults); TLS to the backend.
    maxConnections: fc.constantFrom(undefined, '7', 'bogus'),
    tls: fc.boolean(),
  })
  .map((s): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      namespace: s.namespace,
      name: s.name,
      annotations: {
        ...(s.maxConnections ? { 'projectcontour.io/max-connections': s.maxConnections } : {}),
        ...(s.tls ? { 'projectcontour.io/upstream-protocol.tls': '80,81' } : {}),
      },
    },
    spec: {
      ports: [{ ...(s.named ? { name: 'http' } : {}), protocol: 'TCP', port: s.port, targetPort: 8080 }],
    },
  }));

const secret = fc
  .record({ namespace, name: fc.constantFrom(...secretNames), valid: fc.boolean() })
  .map((s): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { namespace: s.namespace, name: s.name },
    data: s.valid
      ? { 'tls.crt': base64(pair.certificate), 'tls.key': base64(pair.privateKey) }
      : { 'tls.crt': base64('not a certificate'), 'tls.key': base64('nor a key') },
  }));

const ingress = fc
  .record({
    namespace,
    name: fc.constantFrom(...ingressNames),
    host: fc.option(fc.constantFrom(...hosts), { nil: undefined }),
    service: fc.constantFrom(...serviceNames),
    tlsSecret: fc.option(fc.constantFrom(...secretNames), { nil: undefined }),
    defaultBackend: fc.boolean(),
    className: fc.constantFrom(undefined, undefined, 'contour', 'other'),
  })
  .map((i): KubeObject => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { namespace: i.namespace, name: i.name },
    spec: {
      ...(i.className ? { ingressClassName: i.className } : {}),
      ...(i.defaultBackend ? { defaultBackend: { service: { name: i.service, port: { number: 80 } } } } : {}),
      rules: [
        {
          ...(i.host ? { host: i.host } : {}),
          http: {
            paths: [
              {
                path: '/ing',
                pathType: 'Prefix',
                backend: { service: { name: i.service, port: { number: 80 } } },
              },
            ],
          },
        },
      ],
      ...(i.tlsSecret && i.host ? { tls: [{ hosts: [i.host], secretName: i.tlsSecret }] } : {}),
    },
  }));

const delegation = fc.constantFrom(['b'], ['*'], ['c']).map((targets): KubeObject => ({
  apiVersion: 'projectcontour.io/v1',
  kind: 'TLSCertificateDelegation',
  metadata: { namespace: 'a', name: 'd0' },
  spec: { delegations: [{ secretName: 't1', targetNamespaces: targets }] },
}));

// Kinds the build does not read today: their events must change nothing.
const ingressClass = fc.constantFrom('contour', 'other').map((name): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: { namespace: '', name },
  spec: { controller: 'projectcontour.io/contour' },
}));

const extensionService = fc
  .record({ namespace, service: fc.constantFrom(...serviceNames), protocol: fc.constantFrom('h2', 'h2c') })
  .map((e): KubeObject => ({
    apiVersion: 'projectcontour.io/v1alpha1',
    kind: 'ExtensionService',
    metadata: { namespace: e.namespace, name: 'ext' },
    spec: { services: [{ name: e.service, port: 80 }], protocol: e.protocol },
  }));

const upsert = fc
  .oneof(
    { arbitrary: proxy, weight: 5 },
    service,
    secret,
    ingress,
    delegation,
    ingressClass,
    extensionService,
  )
  .map((object): StoreEvent => ({ type: 'upsert', object }));

const deletion = fc
  .oneof(
    fc.record({ kind: fc.constant('HTTPProxy'), namespace, name: fc.constantFrom(...proxyNames) }),
    fc.record({ kind: fc.constant('Service'), namespace, name: fc.constantFrom(...serviceNames) }),
    fc.record({ kind: fc.constant('Secret'), namespace, name: fc.constantFrom(...secretNames) }),
    fc.record({ kind: fc.constant('Ingress'), namespace, name: fc.constantFrom(...ingressNames) }),
    fc.record({
      kind: fc.constant('TLSCertificateDelegation'),
      namespace: fc.constant('a'),
      name: fc.constant('d0'),
    }),
    fc.record({ kind: fc.constant('IngressClass'), namespace: fc.constant(''), name: fc.constant('other') }),
    fc.record({ kind: fc.constant('ExtensionService'), namespace, name: fc.constant('ext') }),
  )
  .map((ref: ObjectRef): StoreEvent => ({ type: 'delete', ref }));

const endpointSlice = fc
  .record({
    namespace,
    service: fc.constantFrom(...serviceNames),
    name: fc.constantFrom('e0', 'e1'),
    port: fc.constantFrom(8080, 8081),
    ready: fc.boolean(),
  })
  .map((e): KubeObject => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      namespace: e.namespace,
      name: `${e.service}-${e.name}`,
      labels: { 'kubernetes.io/service-name': e.service },
    },
    addressType: 'IPv4',
    endpoints: [
      { addresses: ['10.0.0.1'], conditions: { ready: true } },
      { addresses: ['10.0.0.2'], conditions: { ready: e.ready } },
    ],
    ports: [{ name: 'http', protocol: 'TCP', port: e.port }],
  }));

const sliceDeletion = fc
  .record({ namespace, service: fc.constantFrom(...serviceNames), name: fc.constantFrom('e0', 'e1') })
  .map((e): StoreEvent => ({
    type: 'delete',
    ref: { kind: 'EndpointSlice', namespace: e.namespace, name: `${e.service}-${e.name}` },
  }));

const event = fc.oneof({ arbitrary: upsert, weight: 4 }, deletion);

const eventWithEndpoints = fc.oneof(
  { arbitrary: upsert, weight: 4 },
  deletion,
  { arbitrary: endpointSlice.map((object): StoreEvent => ({ type: 'upsert', object })), weight: 2 },
  sliceDeletion,
);

/** Every resource of a translation, encoded, by type: equal bytes mean equal resources. */
const encoded = (resources: EnvoyResources): Record<keyof EnvoyResources, Buffer[]> => ({
  listeners: resources.listeners.map((r) => Buffer.from(toBinary(resourceSchemas.listener, r))),
  routes: resources.routes.map((r) => Buffer.from(toBinary(resourceSchemas.route, r))),
  clusters: resources.clusters.map((r) => Buffer.from(toBinary(resourceSchemas.cluster, r))),
  endpoints: resources.endpoints.map((r) => Buffer.from(toBinary(resourceSchemas.endpoint, r))),
  secrets: resources.secrets.map((r) => Buffer.from(toBinary(resourceSchemas.secret, r))),
  runtimes: (resources.runtimes ?? []).map((r) => Buffer.from(toBinary(resourceSchemas.runtime, r))),
});

const bytesOf = (entries: readonly CachedResource[]): Buffer[] =>
  entries.map((entry) => Buffer.from(entry.bytes));

/**
 * What the engine's resources encode to, by type, in the engine's order: published into `cache` (one
 * cache across steps, so its per-host splicing of `ingress_http` is what is checked), then read back
 * by name. Entries the engine keeps are checked as they are, too.
 */
const published = (
  resources: EncodedResources,
  cache: SnapshotCache,
): Record<keyof EnvoyResources, Buffer[]> => {
  cache.publish(resources);
  const sent = (type: keyof typeof resourceSchemas, names: readonly { name: string }[]): Buffer[] =>
    names.map(({ name }) => Buffer.from(cache.resources(type).get(name)!.bytes));
  const result = {
    listeners: sent('listener', resources.listeners),
    routes: sent('route', resources.routes),
    clusters: sent('cluster', resources.clusters),
    endpoints: sent('endpoint', resources.endpoints),
    secrets: sent('secret', resources.secrets),
    runtimes: sent('runtime', resources.runtimes ?? []),
  };
  assert.deepStrictEqual(bytesOf(resources.clusters), result.clusters);
  assert.deepStrictEqual(bytesOf(resources.endpoints), result.endpoints);
  return result;
};

/** Build options as `contour serve` flags can set them. */
const buildOptionsArb: fc.Arbitrary<BuildOptions> = fc.record(
  {
    rootNamespaces: fc.constantFrom([], [], ['a'], ['b'], ['a', 'b']),
    ingressClassNames: fc.constantFrom([], [], ['other'], ['contour', 'other']),
    enableExternalNameService: fc.boolean(),
    // Contour's cluster.* settings; the client certificate is a Secret the edits create, break and delete.
    clusterDefaults: fc.option(
      fc.record(
        {
          maxRequestsPerConnection: fc.constant(10),
          perConnectionBufferLimitBytes: fc.constant(32768),
          circuitBreakers: fc.constant({ maxConnections: 50, maxRetries: 3 }),
          clientCertificate: fc.constantFrom({ namespace: 'a', name: 't0' }, { namespace: 'b', name: 't1' }),
        },
        { requiredKeys: [] },
      ),
      { nil: undefined },
    ),
    // Contour's global header policy (config `policy`), with and without applyToIngress.
    globalHeadersPolicy: fc.constantFrom<GlobalHeadersPolicy>(
      { request: { set: { 'x-env': 'prod', Host: 'upstream.internal' } }, response: { remove: ['server'] } },
      {
        request: { set: { 'x-svc': '%CONTOUR_SERVICE_NAME%' }, remove: ['x-debug'] },
        applyToIngress: true,
      },
    ),
    // Contour's fallback certificate: a/t1, which TLSCertificateDelegation a/d0 may delegate.
    fallbackCertificate: fc.constant({ namespace: 'a', name: 't1' }),
  },
  { requiredKeys: ['rootNamespaces', 'ingressClassNames', 'enableExternalNameService', 'clusterDefaults'] },
);

/** Translate options, each optional knob set or left to its default. */
const translateOptionsArb: fc.Arbitrary<TranslateOptions> = fc
  .record(
    {
      httpPort: fc.constantFrom(8080, 10080),
      httpsPort: fc.constantFrom(8443, 9443),
      statsAddress: fc.constantFrom('0.0.0.0', '127.0.0.1'),
      healthAddress: fc.constantFrom('0.0.0.0', '127.0.0.1'),
      healthPort: fc.constantFrom(8002, 8003),
      httpAccessLog: fc.constantFrom('', '/dev/stderr'),
      minTlsVersion: fc.constantFrom('1.2' as const, '1.3' as const),
      maxTlsVersion: fc.constantFrom('1.2' as const, '1.3' as const),
      cipherSuites: fc.constant<string[]>(['ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384']),
      mergeSlashes: fc.boolean(),
      allowChunkedLength: fc.boolean(),
      xffNumTrustedHops: fc.integer({ min: 0, max: 3 }),
      adminPort: fc.constantFrom(0, 9001),
      routeSourceMetadata: fc.boolean(),
      connectTimeoutMs: fc.constantFrom(250, 2000),
      requestTimeoutMs: fc.constantFrom(0, 30_000),
      connectionIdleTimeoutMs: fc.constantFrom(0, 60_000),
      streamIdleTimeoutMs: fc.constantFrom(0, 300_000),
      upstreamTls: fc.constant<UpstreamTlsParameters>({
        minVersion: '1.3',
        maxVersion: '1.3',
        cipherSuites: ['ECDHE-RSA-AES256-GCM-SHA384'],
        ecdhCurves: ['X25519'],
      }),
      ecdhCurves: fc.constant<string[]>(['P-256']),
      tlsJa3Fingerprinting: fc.boolean(),
    },
    { requiredKeys: [] },
  )
  .map((overrides): TranslateOptions => ({ ...defaultTranslateOptions, ...overrides }));

const refOfEvent = (e: StoreEvent): ObjectRef =>
  e.type === 'delete'
    ? e.ref
    : { kind: e.object.kind, namespace: e.object.metadata.namespace ?? '', name: e.object.metadata.name };

test('incremental and full builds agree after every step of random edit sequences', () => {
  fc.assert(
    fc.property(
      fc.array(event, { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 0, max: 39 }),
      buildOptionsArb,
      (events, buildEvery, buildOptions) => {
        const store = createStore();
        const builder = createIncrementalBuilder(store, buildOptions);
        let previousFull = buildDag(store, buildOptions);
        assert.deepStrictEqual(builder.build(), previousFull);
        // Whether a relevant event was applied since the last build.
        let pendingRelevant = false;
        events.forEach((e, step) => {
          if (!store.apply(e)) return;
          const relevant = builder.noteChange(refOfEvent(e));
          pendingRelevant ||= relevant;
          // Building only every few steps checks that changes accumulate correctly between builds.
          if (step % ((buildEvery % 4) + 1) !== 0 && step !== events.length - 1) return;
          const full = buildDag(store, buildOptions);
          assert.deepStrictEqual(builder.build(), full, `after step ${step}: ${JSON.stringify(e)}`);
          if (!pendingRelevant) {
            assert.deepStrictEqual(
              full,
              previousFull,
              `an event called irrelevant changed the build: ${JSON.stringify(e)}`,
            );
          }
          pendingRelevant = false;
          previousFull = full;
        });
      },
    ),
    { numRuns: 300 },
  );
});

test('an edit rebuilds only the unit of the edited object', () => {
  const store = createStore();
  for (let i = 0; i < 20; i++) {
    store.apply({
      type: 'upsert',
      object: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { namespace: 'a', name: `s${i}` },
        spec: { ports: [{ port: 80, protocol: 'TCP' }] },
      },
    });
    store.apply({
      type: 'upsert',
      object: {
        apiVersion: 'projectcontour.io/v1',
        kind: 'HTTPProxy',
        metadata: { namespace: 'a', name: `p${i}` },
        spec: { virtualhost: { fqdn: `h${i}.test` }, routes: [{ services: [{ name: `s${i}`, port: 80 }] }] },
      },
    });
  }
  const builder = createIncrementalBuilder(store, defaultBuildOptions);
  builder.build();
  assert.equal(builder.lastStats().units, 20);
  const edited: KubeObject = {
    apiVersion: 'projectcontour.io/v1',
    kind: 'HTTPProxy',
    metadata: { namespace: 'a', name: 'p3' },
    spec: {
      virtualhost: { fqdn: 'h3.test' },
      routes: [{ conditions: [{ prefix: '/x' }], services: [{ name: 's3', port: 80 }] }],
    },
  };
  store.apply({ type: 'upsert', object: edited });
  assert.equal(builder.noteChange({ kind: 'HTTPProxy', namespace: 'a', name: 'p3' }), true);
  assert.deepStrictEqual(builder.build(), buildDag(store, defaultBuildOptions));
  assert.equal(builder.lastStats().unitsRebuilt, 1);
  // A Service nobody routes to is irrelevant; the one p5 uses is not.
  store.apply({
    type: 'upsert',
    object: { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'a', name: 'unused' }, spec: {} },
  });
  assert.equal(builder.noteChange({ kind: 'Service', namespace: 'a', name: 'unused' }), false);
  assert.equal(builder.noteChange({ kind: 'Service', namespace: 'a', name: 's5' }), true);
  builder.build();
  assert.equal(builder.lastStats().unitsRebuilt, 1);
});

test('the incremental engine publishes the same Envoy resources and statuses as a full build', () => {
  fc.assert(
    fc.property(
      fc.array(eventWithEndpoints, { minLength: 1, maxLength: 30 }),
      buildOptionsArb,
      translateOptionsArb,
      (events, buildOptions, translateOptions) => {
        const store = createStore();
        const engine = createIncrementalEngine(store, buildOptions, translateOptions);
        const cache = createSnapshotCache();
        const full = () => translateStore(store, buildOptions, translateOptions);
        const reference = (): EnvoyResources => full().messages;
        /** Publishes an engine build and checks it against a full build, statuses and withheld resources too. */
        const check = (message: string): void => {
          const built = engine.build();
          const expected = full();
          assert.deepStrictEqual(published(built.resources, cache), encoded(expected.messages), message);
          assert.deepStrictEqual(built.result.statuses, expected.build.statuses, message);
          assert.deepStrictEqual(built.rejections, expected.rejections, message);
        };
        check('first build');
        events.forEach((e, step) => {
          if (!store.apply(e)) return;
          const effect = engine.noteChange(refOfEvent(e));
          if (effect === 'endpoints') {
            // EDS outside the build: the endpoints alone must already be right, before any build.
            // Either the full list or the patch the event loop uses (alternating), same result.
            const expected = encoded(reference()).endpoints;
            const changes = step % 2 === 0 ? engine.endpointChanges() : undefined;
            const list = changes?.list ?? engine.endpoints();
            assert.deepStrictEqual(
              bytesOf(list),
              expected,
              `endpoints after step ${step}: ${JSON.stringify(e)}`,
            );
            for (const assignment of changes?.upserted ?? []) assert.ok(list.includes(assignment));
            assert.equal(engine.endpoints(), list, 'endpoints() returns the patched list');
            return;
          }
          check(`after step ${step}: ${JSON.stringify(e)}`);
        });
      },
    ),
    { numRuns: 150 },
  );
});

test('an EndpointSlice change updates only its ClusterLoadAssignment, without a build', () => {
  const store = createStore();
  const apply = (object: KubeObject): void => void store.apply({ type: 'upsert', object });
  const slice = (port: number): KubeObject => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace: 'a', name: 's0-e0', labels: { 'kubernetes.io/service-name': 's0' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true } }],
    ports: [{ name: 'http', protocol: 'TCP', port }],
  });
  apply({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: 'a', name: 's0' },
    spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  });
  apply({
    apiVersion: 'projectcontour.io/v1',
    kind: 'HTTPProxy',
    metadata: { namespace: 'a', name: 'p0' },
    spec: { virtualhost: { fqdn: 'x.test' }, routes: [{ services: [{ name: 's0', port: 80 }] }] },
  });
  apply(slice(8080));
  const engine = createIncrementalEngine(store, defaultBuildOptions, defaultTranslateOptions);
  const before = engine.build().resources.endpoints;
  assert.equal(before.length, 1);
  apply(slice(9090));
  assert.equal(engine.noteChange({ kind: 'EndpointSlice', namespace: 'a', name: 's0-e0' }), 'endpoints');
  const after = engine.endpoints();
  assert.notDeepStrictEqual(after, before);
  assert.deepStrictEqual(
    bytesOf(after),
    translateStore(store, defaultBuildOptions, defaultTranslateOptions).messages.endpoints.map((r) =>
      Buffer.from(toBinary(resourceSchemas.endpoint, r)),
    ),
  );
});
