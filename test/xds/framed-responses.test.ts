// Shared responses are allocated behind their gRPC frame header and sent by grpc-js without a copy per
// stream; anything else still takes grpc-js's own framing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fromBinary } from '@bufbuild/protobuf';
import { typeUrls } from '../../src/envoy/resources.js';
import { DiscoveryResponseSchema } from '../../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import { cacheResource } from '../../src/xds/cache/cached-resource.js';
import {
  allocateFramed,
  framedBufferOf,
  installFramedWrites,
} from '../../src/xds/server/framed-responses.js';
import { encodeSotwResponse } from '../../src/xds/server/responses.js';
import { staticCluster } from './fixtures.js';

type SerializeMessage = (this: unknown, value: unknown) => Buffer;
const serverCallPrototype = () =>
  (
    createRequire(import.meta.url)('@grpc/grpc-js/build/src/server-interceptors.js') as {
      BaseServerInterceptingCall: { prototype: { serializeMessage: SerializeMessage } };
    }
  ).BaseServerInterceptingCall.prototype;

test('the hook is in place for the grpc-js in the lockfile', () => {
  // If this fails after a grpc-js upgrade, responses are still sent correctly, only copied per stream.
  assert.equal(installFramedWrites(), true);
  assert.equal(installFramedWrites(), true, 'installing twice is harmless');
});

test('an encoded response sits behind an uncompressed frame header of its length', () => {
  const resources = ['b', 'a'].map((name) => cacheResource('cluster', staticCluster(name)));
  const bytes = encodeSotwResponse(typeUrls.cluster, 'v1', 'n1', resources);
  const framed = framedBufferOf(bytes);
  assert.ok(framed, 'responses are allocated framed');
  assert.equal(framed.length, bytes.length + 5);
  assert.equal(framed[0], 0, 'not compressed');
  assert.equal(framed.readUInt32BE(1), bytes.length);
  assert.deepEqual(new Uint8Array(framed.subarray(5)), new Uint8Array(bytes));
  const decoded = fromBinary(DiscoveryResponseSchema, bytes);
  assert.deepEqual(
    decoded.resources.map((any) => any.typeUrl),
    [typeUrls.cluster, typeUrls.cluster],
  );
  assert.equal(decoded.nonce, 'n1');
});

test("grpc-js's framing returns a framed response itself and frames anything else as before", () => {
  installFramedWrites();
  const serialize = serverCallPrototype().serializeMessage;
  let serialized = 0;
  const call = {
    handler: {
      serialize: (value: Uint8Array) => {
        serialized += 1;
        return Buffer.from(value);
      },
    },
  };

  const message = allocateFramed(3);
  message.set([7, 8, 9]);
  const first = serialize.call(call, message);
  const second = serialize.call(call, message);
  assert.equal(first, framedBufferOf(message), 'the framed buffer itself, not a copy');
  assert.equal(second, first, 'every stream is given the same buffer');
  assert.equal(serialized, 0);
  assert.deepEqual([...first], [0, 0, 0, 0, 3, 7, 8, 9]);

  const plain = new Uint8Array([1, 2]);
  const framedPlain = serialize.call(call, plain);
  assert.equal(serialized, 1, 'other messages go through the method serializer');
  assert.deepEqual([...framedPlain], [0, 0, 0, 0, 2, 1, 2]);
  assert.equal(framedBufferOf(plain), undefined);
});
