import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, equals, fromBinary, toBinary } from '@bufbuild/protobuf';
import { anyUnpack, DurationSchema } from '@bufbuild/protobuf/wkt';
import { createSnapshotCache } from '../../src/xds/cache/snapshot-cache.js';
import { findReferences } from '../../src/xds/cache/references.js';
import { ClusterSchema } from '../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ListenerSchema } from '../../src/gen/envoy/config/listener/v3/listener_pb.js';
import {
  RouteConfigurationSchema,
  type RouteConfiguration,
} from '../../src/gen/envoy/config/route/v3/route_pb.js';
import fc from 'fast-check';
import { cacheResource, isCachedResource, type CachedResource } from '../../src/xds/cache/cached-resource.js';
import { encodeVirtualHost } from '../../src/xds/cache/route-encoding.js';
import {
  DeltaDiscoveryResponseSchema,
  DiscoveryResponseSchema,
} from '../../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import { concatBytes } from '../../src/xds/cache/wire.js';
import { typeUrls } from '../../src/envoy/resources.js';
import {
  edsCluster,
  endpoints,
  httpListener,
  resourcesOf,
  routeConfig,
  secret,
  staticCluster,
  tcpListener,
} from './fixtures.js';

const sample = () =>
  resourcesOf({
    listeners: [httpListener('ingress_http', 'ingress_http'), httpListener('ingress_https', 'https/a', 's1')],
    routes: [routeConfig('ingress_http', ['default/a/80/x', 'default/b/80/y'], 'default/m/80/z')],
    clusters: [
      edsCluster('default/a/80/x', { serviceName: 'default/a/http' }),
      staticCluster('default/b/80/y'),
    ],
    endpoints: [endpoints('default/a/http')],
    secrets: [secret('s1')],
  });

test('unchanged content keeps version, entry and encoded bytes', () => {
  const cache = createSnapshotCache();
  assert.equal(cache.version(), '0');
  const first = cache.publish(sample());
  assert.ok(first);
  assert.equal(cache.version(), '1');
  const entry = cache.resources('cluster').get('default/a/80/x')!;
  const bytes = entry.sotwField();
  // Fresh but equal objects: no change, same entry, same bytes.
  assert.equal(cache.publish(sample()), undefined);
  assert.equal(cache.version(), '1');
  assert.equal(cache.resources('cluster').get('default/a/80/x'), entry);
  assert.equal(cache.resources('cluster').get('default/a/80/x')!.sotwField(), bytes);
});

test('a change reports exactly the changed names and moves the version', () => {
  const cache = createSnapshotCache();
  cache.publish(sample());
  const seen: string[] = [];
  cache.onChange((change) => {
    for (const [type, names] of change.changed) seen.push(`${type}:${[...names].sort().join(',')}`);
  });
  const next = sample();
  next.clusters = [edsCluster('default/a/80/x', { serviceName: 'default/a/http', timeoutSeconds: 5 })];
  const change = cache.publish(next);
  assert.ok(change);
  assert.equal(change.version, '2');
  assert.deepEqual(seen.sort(), ['cluster:default/a/80/x,default/b/80/y']);
});

test('publishEndpoints touches only ClusterLoadAssignments', () => {
  const cache = createSnapshotCache();
  cache.publish(sample());
  const clusters = cache.resources('cluster');
  const change = cache.publishEndpoints([endpoints('default/a/http', 9090), endpoints('default/c/http')]);
  assert.ok(change);
  assert.deepEqual([...change.changed.keys()], ['endpoint']);
  assert.deepEqual([...change.changed.get('endpoint')!].sort(), ['default/a/http', 'default/c/http']);
  assert.equal(cache.resources('cluster'), clusters);
  assert.equal(
    cache.publishEndpoints([endpoints('default/a/http', 9090), endpoints('default/c/http')]),
    undefined,
  );
});

test('hash depends on content only, not on publish history or order', () => {
  const a = createSnapshotCache();
  const b = createSnapshotCache();
  a.publish(resourcesOf({ clusters: [staticCluster('x')] }));
  a.publish(sample());
  const reversed = sample();
  reversed.clusters.reverse();
  reversed.listeners.reverse();
  b.publish(reversed);
  assert.equal(a.hash(), b.hash());
  assert.notEqual(a.version(), b.version());
  assert.match(a.hash(), /^[0-9a-f]{16}$/);
  b.publishEndpoints([]);
  assert.notEqual(a.hash(), b.hash());
});

test('encoded fields splice into valid responses that decode to the original resources', () => {
  const cache = createSnapshotCache();
  cache.publish(sample());
  const cluster = cache.resources('cluster').get('default/a/80/x')!;
  const sotw = fromBinary(
    DiscoveryResponseSchema,
    concatBytes([cluster.sotwField(), cache.resources('cluster').get('default/b/80/y')!.sotwField()]),
  );
  assert.equal(sotw.resources.length, 2);
  assert.equal(sotw.resources[0].typeUrl, typeUrls.cluster);
  assert.equal(anyUnpack(sotw.resources[0], ClusterSchema)!.name, 'default/a/80/x');
  const delta = fromBinary(DeltaDiscoveryResponseSchema, cluster.deltaField());
  assert.equal(delta.resources[0].name, 'default/a/80/x');
  assert.equal(delta.resources[0].version, cluster.version);
  assert.equal(anyUnpack(delta.resources[0].resource!, ClusterSchema)!.name, 'default/a/80/x');
});

test('references are found through Any, oneofs, weighted and mirrored clusters', () => {
  const route = routeConfig('r', ['c2', 'c1', 'c2'], 'mirror');
  assert.deepEqual(findReferences(RouteConfigurationSchema, route), { cluster: ['c1', 'c2', 'mirror'] });
  assert.deepEqual(findReferences(ListenerSchema, httpListener('l', 'rc', 'sec')), {
    route: ['rc'],
    secret: ['sec'],
  });
  assert.deepEqual(findReferences(ListenerSchema, tcpListener('t', 'tcp-cluster')), {
    cluster: ['tcp-cluster'],
  });
  assert.deepEqual(findReferences(ClusterSchema, edsCluster('a')), { endpoint: ['a'] });
  assert.deepEqual(findReferences(ClusterSchema, edsCluster('a', { serviceName: 'svc' })), {
    endpoint: ['svc'],
  });
  assert.deepEqual(findReferences(ClusterSchema, staticCluster('a')), {});
});

test('toJson prints canonical JSON with @type and redacts secrets unless asked', () => {
  const cache = createSnapshotCache();
  cache.publish(sample());
  const json = cache.toJson() as Record<string, unknown>;
  assert.equal(json.version, '1');
  assert.equal(json.hash, cache.hash());
  const listeners = json.listeners as { name: string; resource: Record<string, unknown> }[];
  assert.deepEqual(
    listeners.map((l) => l.name),
    ['ingress_http', 'ingress_https'],
  );
  assert.equal(listeners[0].resource['@type'], typeUrls.listener);
  const text = JSON.stringify(json);
  assert.ok(text.includes('"routeConfigName":"ingress_http"'), 'HCM inside the Any is printed');
  assert.ok(!text.includes('CERT'));
  assert.ok(JSON.stringify(cache.toJson({ includeSecrets: true })).includes('CERT'));
});

test('pre-encoded entries and spliced route configurations publish as their messages do', () => {
  const messages = sample();
  const byMessage = createSnapshotCache();
  byMessage.publish(messages);
  const encoded = createSnapshotCache();
  const [route] = messages.routes;
  encoded.publish({
    listeners: messages.listeners.map((listener) => cacheResource('listener', listener)),
    routes: [
      {
        name: route.name,
        shell: create(RouteConfigurationSchema, { ...route, virtualHosts: [] }),
        virtualHosts: route.virtualHosts.map(encodeVirtualHost),
      },
    ],
    clusters: messages.clusters.map((cluster) => cacheResource('cluster', cluster)),
    endpoints: messages.endpoints.map((assignment) => cacheResource('endpoint', assignment)),
    secrets: messages.secrets.map((secret) => cacheResource('secret', secret)),
  });
  assert.equal(encoded.hash(), byMessage.hash());
  const entry = encoded.resources('route').get(route.name)!;
  assert.deepEqual(Buffer.from(entry.bytes), Buffer.from(toBinary(RouteConfigurationSchema, route)));
  assert.deepEqual(entry.references, findReferences(RouteConfigurationSchema, route));
  // The message is not kept, but decodes from the bytes (debug pages).
  assert.ok(equals(RouteConfigurationSchema, entry.message as RouteConfiguration, route));
  assert.ok(isCachedResource(entry) && !isCachedResource(route));
  assert.throws(() => encoded.publishEndpoints([encoded.resources('cluster').get('default/a/80/x')!]));
});

test('a list published after another, sharing objects at either end, leaves what a fresh cache holds', () => {
  // Two versions of ten clusters; lists are edited from the previous one (insert, remove, replace,
  // move) or drawn afresh, so the unchanged ends the cache skips vary in length.
  const versions = Array.from({ length: 10 }, (_, index) =>
    [1, 2].map((seconds) =>
      cacheResource(
        'cluster',
        create(ClusterSchema, {
          name: `c${index}`,
          connectTimeout: create(DurationSchema, { seconds: BigInt(seconds) }),
        }),
      ),
    ),
  );
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), cluster: fc.nat(9), version: fc.nat(1) }),
    fc.record({ kind: fc.constant('remove' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), version: fc.nat(1) }),
    fc.record({ kind: fc.constant('move' as const), at: fc.nat(), to: fc.nat() }),
    fc.record({ kind: fc.constant('fresh' as const), picks: fc.array(fc.tuple(fc.nat(9), fc.nat(1))) }),
  );
  fc.assert(
    fc.property(fc.array(edit, { minLength: 1, maxLength: 30 }), (edits) => {
      const cache = createSnapshotCache();
      let list: CachedResource[] = [];
      const namesOf = (items: CachedResource[]) => new Set(items.map((item) => item.name));
      for (const step of edits) {
        const next = [...list];
        const at = (n: number) => (next.length === 0 ? 0 : n % next.length);
        if (step.kind === 'insert') {
          if (!namesOf(next).has(`c${step.cluster}`))
            next.splice(at(step.at), 0, versions[step.cluster][step.version]);
        } else if (step.kind === 'remove') {
          if (next.length > 0) next.splice(at(step.at), 1);
        } else if (step.kind === 'replace') {
          if (next.length > 0) {
            const index = at(step.at);
            next[index] = versions[Number(next[index].name.slice(1))][step.version];
          }
        } else if (step.kind === 'move') {
          if (next.length > 0) next.splice(at(step.to), 0, ...next.splice(at(step.at), 1));
        } else {
          const seen = new Set<number>();
          next.length = 0;
          for (const [cluster, version] of step.picks) {
            if (seen.has(cluster)) continue;
            seen.add(cluster);
            next.push(versions[cluster][version]);
          }
        }
        const before = new Map([...cache.resources('cluster')].map(([name, e]) => [name, e.version]));
        const change = cache.publish({ ...resourcesOf({}), clusters: next });
        const fresh = createSnapshotCache();
        fresh.publish({ ...resourcesOf({}), clusters: next });
        const held = (c: typeof cache) =>
          [...c.resources('cluster')].map(([name, e]) => `${name}@${e.version}`).sort();
        assert.deepEqual(held(cache), held(fresh));
        assert.equal(cache.typeHash('cluster'), fresh.typeHash('cluster'));
        const expected = new Set<string>();
        for (const item of next) if (before.get(item.name) !== item.version) expected.add(item.name);
        for (const name of before.keys()) if (!namesOf(next).has(name)) expected.add(name);
        assert.deepEqual(
          [...(change?.changed.get('cluster') ?? [])].sort(),
          [...expected].sort(),
          'the change names exactly what differs',
        );
        list = next;
      }
    }),
    { numRuns: 300 },
  );
});
