// The event loop's cheap paths into the snapshot cache (route configurations spliced from cached
// virtual hosts, unchanged lists skipped, EndpointSlice events patched into single assignments,
// type hashes updated per name) must leave the cache exactly as a fresh cache given the full
// reference translation: same names, same versions, same snapshot hash, after every step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { KubeObject } from '../../src/apis/meta.js';
import { buildDag, defaultBuildOptions } from '../../src/dag/build.js';
import { createIncrementalEngine } from '../../src/assemble/incremental-engine.js';
import { defaultTranslateOptions, translate } from '../../src/assemble/translate.js';
import { createStore, type StoreEvent } from '../../src/store/store.js';
import {
  allResourceTypes,
  createSnapshotCache,
  type SnapshotCache,
} from '../../src/xds/cache/snapshot-cache.js';

const namespaces = ['a', 'b'];
const services = ['s0', 's1', 's2'];

const service = (namespace: string, name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace, name },
  spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
});

const proxy = fc
  .record({
    namespace: fc.constantFrom(...namespaces),
    index: fc.integer({ min: 0, max: 79 }),
    service: fc.constantFrom(...services),
    prefix: fc.constantFrom('/', '/api', '/v2'),
    present: fc.boolean(),
  })
  .map(({ namespace, index, service, prefix, present }): StoreEvent => {
    const name = `p${index}`;
    if (!present) return { type: 'delete', ref: { kind: 'HTTPProxy', namespace, name } };
    return {
      type: 'upsert',
      object: {
        apiVersion: 'projectcontour.io/v1',
        kind: 'HTTPProxy',
        metadata: { namespace, name },
        spec: {
          virtualhost: { fqdn: `${name}.${namespace}.test` },
          routes: [{ conditions: [{ prefix }], services: [{ name: service, port: 80 }] }],
        },
      },
    };
  });

const slice = fc
  .record({
    namespace: fc.constantFrom(...namespaces),
    service: fc.constantFrom(...services),
    port: fc.constantFrom(8080, 8081),
    ready: fc.boolean(),
    present: fc.boolean(),
  })
  .map(({ namespace, service, port, ready, present }): StoreEvent => {
    const name = `${service}-e0`;
    if (!present) return { type: 'delete', ref: { kind: 'EndpointSlice', namespace, name } };
    return {
      type: 'upsert',
      object: {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { namespace, name, labels: { 'kubernetes.io/service-name': service } },
        addressType: 'IPv4',
        endpoints: [
          { addresses: ['10.0.0.1'], conditions: { ready: true } },
          { addresses: ['10.0.0.2'], conditions: { ready } },
        ],
        ports: [{ name: 'http', protocol: 'TCP', port }],
      },
    };
  });

const contents = (cache: SnapshotCache): Record<string, Record<string, string>> =>
  Object.fromEntries(
    allResourceTypes.map((type) => [
      type,
      Object.fromEntries(
        [...cache.resources(type)]
          .map(([name, entry]) => [name, `${entry.version} ${JSON.stringify(entry.references)}`])
          .sort(),
      ),
    ]),
  );

test('patched and spliced publishes leave the cache as a full publish would', () => {
  fc.assert(
    fc.property(
      // Enough proxies that ingress_http crosses the size where references are kept incrementally.
      fc.array(proxy, { minLength: 70, maxLength: 90 }),
      fc.array(fc.oneof({ arbitrary: proxy, weight: 2 }, { arbitrary: slice, weight: 3 }), {
        minLength: 1,
        maxLength: 40,
      }),
      (initial, events) => {
        const store = createStore();
        for (const namespace of namespaces)
          for (const name of services) store.apply({ type: 'upsert', object: service(namespace, name) });
        for (const e of initial) store.apply(e);
        const engine = createIncrementalEngine(store, defaultBuildOptions, defaultTranslateOptions);
        const cache = createSnapshotCache();
        cache.publish(engine.build().resources);
        const check = (label: string): void => {
          const reference = createSnapshotCache();
          reference.publish(
            translate(buildDag(store, defaultBuildOptions).dag, store, defaultTranslateOptions),
          );
          assert.deepStrictEqual(contents(cache), contents(reference), label);
          assert.equal(cache.hash(), reference.hash(), label);
          for (const type of allResourceTypes) assert.equal(cache.typeHash(type), reference.typeHash(type));
        };
        check('initial');
        events.forEach((e, step) => {
          if (!store.apply(e)) return;
          const ref =
            e.type === 'delete'
              ? e.ref
              : {
                  kind: e.object.kind,
                  namespace: e.object.metadata.namespace ?? '',
                  name: e.object.metadata.name,
                };
          const effect = engine.noteChange(ref);
          if (effect === 'endpoints') {
            const changes = engine.endpointChanges();
            if (changes) cache.patchEndpoints(changes.upserted, [], changes.list);
            else cache.publishEndpoints(engine.endpoints());
          } else if (effect === 'build') {
            cache.publish(engine.build().resources);
          }
          check(`after step ${step}: ${JSON.stringify(e)}`);
        });
      },
    ),
    { numRuns: 60 },
  );
});
