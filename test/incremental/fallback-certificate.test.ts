// Contour's fallback certificate under incremental builds: the engine `contour serve` runs (incremental DAG,
// memoized assembly) publishes the same bytes, statuses and rejections as a from-scratch build after every
// step of random edits to what the fallback depends on: hosts enabling it, the fallback Secret (valid,
// invalid, gone), its TLSCertificateDelegation, and root namespaces that leave it outside them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { KubeObject, ObjectRef } from '../../src/apis/meta.js';
import type { BuildOptions } from '../../src/dag/build.js';
import { createStore, type StoreEvent } from '../../src/store/store.js';
import { wildcardKeyPair } from '../../bench/tls-fixture.js';
import { createIncrementalEngine } from '../../src/assemble/incremental-engine.js';
import { defaultTranslateOptions, translateStore } from '../../src/assemble/translate.js';
import { createSnapshotCache, type SnapshotCache } from '../../src/xds/cache/snapshot-cache.js';
import type { ResourceType } from '../../src/envoy/resources.js';
import { fallbackRouteConfigName } from '../../src/envoy/names.js';

const pair = wildcardKeyPair();
const base64 = (text: string): string => Buffer.from(text).toString('base64');
const namespace = fc.constantFrom('a', 'b');

const tlsSecret = (ns: string, name: string, valid: boolean): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  type: 'kubernetes.io/tls',
  metadata: { namespace: ns, name },
  data: valid
    ? { 'tls.crt': base64(pair.certificate), 'tls.key': base64(pair.privateKey) }
    : { 'tls.crt': base64('not a certificate'), 'tls.key': base64('nor a key') },
});

// Every namespace has a Service and a serving certificate, so TLS hosts are common; the fallback Secret
// starts valid and delegated everywhere, for the edits to take away and give back.
const fixtures: KubeObject[] = [
  ...['a', 'b'].flatMap((ns): KubeObject[] => [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { namespace: ns, name: 'web' },
      spec: { ports: [{ name: 'http', protocol: 'TCP', port: 80 }] },
    },
    tlsSecret(ns, 'own', true),
  ]),
  tlsSecret('a', 'fallback', true),
  {
    apiVersion: 'projectcontour.io/v1',
    kind: 'TLSCertificateDelegation',
    metadata: { namespace: 'a', name: 'fallback' },
    spec: { delegations: [{ secretName: 'fallback', targetNamespaces: ['*'] }] },
  },
];

const proxy = fc
  .record({
    namespace,
    name: fc.constantFrom('p0', 'p1', 'p2'),
    fqdn: fc.constantFrom('x.test', 'y.test', 'z.test'),
    // Mostly hosts enabling the fallback; some without it, with client validation, or TCP-proxied.
    kind: fc.constantFrom(
      'fallback',
      'fallback',
      'fallback',
      'fallback',
      'plain',
      'mtls',
      'tcp',
      'tcp-fallback',
    ),
    prefix: fc.constantFrom('/', '/api'),
  })
  .map((p): KubeObject => ({
    apiVersion: 'projectcontour.io/v1',
    kind: 'HTTPProxy',
    metadata: { namespace: p.namespace, name: p.name, generation: 1 },
    spec: {
      virtualhost: {
        fqdn: p.fqdn,
        tls: {
          secretName: 'own',
          ...(p.kind !== 'plain' && p.kind !== 'tcp' ? { enableFallbackCertificate: true } : {}),
          ...(p.kind === 'mtls' ? { clientValidation: { caSecret: 'own' } } : {}),
        },
      },
      ...(p.kind.startsWith('tcp')
        ? { tcpproxy: { services: [{ name: 'web', port: 80 }] } }
        : { routes: [{ conditions: [{ prefix: p.prefix }], services: [{ name: 'web', port: 80 }] }] }),
    },
  }));

const delegation = fc.constantFrom(['b'], ['*'], ['c']).map((targets): KubeObject => ({
  apiVersion: 'projectcontour.io/v1',
  kind: 'TLSCertificateDelegation',
  metadata: { namespace: 'a', name: 'fallback' },
  spec: { delegations: [{ secretName: 'fallback', targetNamespaces: targets }] },
}));

const event: fc.Arbitrary<StoreEvent> = fc.oneof(
  { arbitrary: proxy.map((object): StoreEvent => ({ type: 'upsert', object })), weight: 4 },
  fc
    .record({ namespace, name: fc.constantFrom('p0', 'p1', 'p2') })
    .map((ref): StoreEvent => ({ type: 'delete', ref: { kind: 'HTTPProxy', ...ref } })),
  fc.boolean().map((valid): StoreEvent => ({ type: 'upsert', object: tlsSecret('a', 'fallback', valid) })),
  fc.constant<StoreEvent>({ type: 'delete', ref: { kind: 'Secret', namespace: 'a', name: 'fallback' } }),
  delegation.map((object): StoreEvent => ({ type: 'upsert', object })),
  fc.constant<StoreEvent>({
    type: 'delete',
    ref: { kind: 'TLSCertificateDelegation', namespace: 'a', name: 'fallback' },
  }),
);

const buildOptions = fc
  .constantFrom<string[][]>([], ['b'], ['a', 'b'])
  .map((rootNamespaces): BuildOptions => ({
    rootNamespaces,
    ingressClassNames: [],
    enableExternalNameService: false,
    fallbackCertificate: { namespace: 'a', name: 'fallback' },
  }));

const refOfEvent = (e: StoreEvent): ObjectRef =>
  e.type === 'delete'
    ? e.ref
    : { kind: e.object.kind, namespace: e.object.metadata.namespace ?? '', name: e.object.metadata.name };

const types: ResourceType[] = ['listener', 'route', 'cluster', 'endpoint', 'secret'];

/** Every published resource as `type name → bytes` (versions differ between caches; bytes must not). */
const bytesOf = (cache: SnapshotCache): Record<string, string> =>
  Object.fromEntries(
    types.flatMap((type) =>
      [...cache.resources(type).values()].map((entry) => [
        `${type} ${entry.name}`,
        Buffer.from(entry.bytes).toString('base64'),
      ]),
    ),
  );

test('the incremental engine serves the fallback certificate exactly as a full build', () => {
  let withFallback = 0;
  fc.assert(
    fc.property(fc.array(event, { minLength: 1, maxLength: 25 }), buildOptions, (events, options) => {
      const store = createStore();
      for (const object of fixtures) store.apply({ type: 'upsert', object });
      const engine = createIncrementalEngine(store, options, defaultTranslateOptions);
      const cache = createSnapshotCache();
      const check = (message: string): void => {
        const built = engine.build();
        cache.publish(built.resources);
        const expected = translateStore(store, options, defaultTranslateOptions);
        const published = bytesOf(cache);
        assert.deepStrictEqual(published, bytesOf(expected.snapshot), message);
        assert.deepStrictEqual(built.result.statuses, expected.build.statuses, message);
        assert.deepStrictEqual(built.rejections, expected.rejections, message);
        if (`route ${fallbackRouteConfigName}` in published) withFallback++;
      };
      check('first build');
      events.forEach((e, step) => {
        if (!store.apply(e)) return;
        engine.noteChange(refOfEvent(e));
        check(`after step ${step}: ${JSON.stringify(e)}`);
      });
    }),
    { numRuns: 150 },
  );
  // The edits must reach the fallback often, or this test checks nothing about it.
  assert.ok(withFallback > 30, `only ${withFallback} builds served the fallback certificate`);
});
