// Responses shared between streams: encoded once, identical to what a stream would be sent alone, and
// never a repeated nonce on one stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { AnySchema } from '@bufbuild/protobuf/wkt';
import { typeUrls } from '../../src/envoy/resources.js';
import { ClusterSchema } from '../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import {
  DeltaDiscoveryResponseSchema,
  DiscoveryResponseSchema,
  ResourceSchema,
} from '../../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import { cacheResource } from '../../src/xds/cache/cached-resource.js';
import { createResponseCache } from '../../src/xds/server/shared-responses.js';
import { deltaNames, openDelta, withServer, type DeltaStream } from './client.js';
import { resourcesOf, staticCluster } from './fixtures.js';

const clusterResource = (name: string) => cacheResource('cluster', staticCluster(name));

test('a shared delta response decodes to the message built field by field', () => {
  const responses = createResponseCache();
  const b = clusterResource('b');
  const a = clusterResource('a');
  const shared = responses.delta(typeUrls.cluster, '7', [b, a], ['gone-2', 'gone-1'], undefined);
  const again = responses.delta(typeUrls.cluster, '7', [a, b], ['gone-1', 'gone-2'], undefined);
  assert.equal(again, shared, 'the same content is encoded once');
  assert.equal(responses.encoded(), 1);

  const expected = create(DeltaDiscoveryResponseSchema, {
    typeUrl: typeUrls.cluster,
    systemVersionInfo: '7',
    nonce: shared.nonce,
    removedResources: ['gone-1', 'gone-2'],
    resources: [a, b].map((resource) =>
      create(ResourceSchema, {
        name: resource.name,
        version: resource.version,
        resource: create(AnySchema, {
          typeUrl: typeUrls.cluster,
          value: toBinary(ClusterSchema, resource.message as ReturnType<typeof staticCluster>),
        }),
      }),
    ),
  });
  // Equal as messages (the spliced bytes put the header fields first, so the bytes differ in order).
  assert.deepEqual(fromBinary(DeltaDiscoveryResponseSchema, shared.bytes), expected);
});

test('a shared state-of-the-world response decodes to the message built field by field', () => {
  const responses = createResponseCache();
  const a = clusterResource('a');
  const view = new Map([[a.name, { version: a.version, entry: a }]]);
  const shared = responses.sotw(typeUrls.cluster, 'v1', view, undefined);
  assert.equal(responses.sotw(typeUrls.cluster, 'v1', view, undefined), shared);
  const expected = create(DiscoveryResponseSchema, {
    typeUrl: typeUrls.cluster,
    versionInfo: 'v1',
    nonce: shared.nonce,
    resources: [
      create(AnySchema, {
        typeUrl: typeUrls.cluster,
        value: toBinary(ClusterSchema, a.message as ReturnType<typeof staticCluster>),
      }),
    ],
  });
  assert.deepEqual(fromBinary(DiscoveryResponseSchema, shared.bytes), expected);
});

test('different content, or a stream that had the nonce last, gets a new nonce', () => {
  const responses = createResponseCache();
  const a = clusterResource('a');
  const first = responses.delta(typeUrls.cluster, '1', [a], [], undefined);
  const otherVersion = responses.delta(typeUrls.cluster, '2', [a], [], undefined);
  const removal = responses.delta(typeUrls.cluster, '1', [], ['a'], undefined);
  assert.equal(new Set([first.nonce, otherVersion.nonce, removal.nonce]).size, 3);
  const repeat = responses.delta(typeUrls.cluster, '1', [a], [], first.nonce);
  assert.notEqual(repeat.nonce, first.nonce);
  assert.deepEqual(
    { ...fromBinary(DeltaDiscoveryResponseSchema, repeat.bytes), nonce: '' },
    { ...fromBinary(DeltaDiscoveryResponseSchema, first.bytes), nonce: '' },
  );
});

const ackNext = async (stream: DeltaStream) => {
  const response = await stream.next();
  stream.send({ typeUrl: response.typeUrl, responseNonce: response.nonce });
  return response;
};

test('streams owed the same change share one response; nonces never repeat on a stream', async () => {
  await withServer(async ({ cache, client }) => {
    cache.publish(resourcesOf({ clusters: [staticCluster('a'), staticCluster('b')] }));
    const streams = Array.from({ length: 20 }, () => openDelta(client));
    streams.forEach((stream, index) =>
      stream.send({
        node: { id: `envoy-${index}` },
        typeUrl: typeUrls.cluster,
        resourceNamesSubscribe: ['a'],
      }),
    );
    const firsts = await Promise.all(streams.map(ackNext));
    for (const first of firsts) assert.deepEqual(deltaNames(first), ['a']);

    const changed = staticCluster('a');
    changed.connectTimeout = { $typeName: 'google.protobuf.Duration', seconds: 9n, nanos: 0 };
    cache.publish(resourcesOf({ clusters: [changed, staticCluster('b')] }));
    const seconds = await Promise.all(streams.map(ackNext));
    assert.equal(new Set(seconds.map((response) => response.nonce)).size, 1, 'one shared response');
    for (const second of seconds) {
      assert.deepEqual(second, seconds[0]);
      assert.deepEqual(deltaNames(second), ['a']);
      assert.equal(second.resources[0].version, cache.resources('cluster').get('a')!.version);
    }

    // Re-subscribing makes the server resend the same content in the same snapshot: a new nonce.
    const stream = streams[0];
    stream.send({ typeUrl: typeUrls.cluster, resourceNamesSubscribe: ['a'] });
    const resent = await stream.next();
    assert.deepEqual(deltaNames(resent), ['a']);
    assert.equal(resent.resources[0].version, seconds[0].resources[0].version);
    assert.notEqual(resent.nonce, seconds[0].nonce);
    for (const each of streams) each.close();
  });
});
