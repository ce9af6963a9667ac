// State-of-the-world requests are decoded without their resource_names, which stay encoded until a
// stream finds them different from its previous request's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { DiscoveryRequestSchema } from '../../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import { decodeSotwRequest, sameEncoding } from '../../src/xds/server/sotw-request.js';
import { typeUrls } from '../../src/envoy/resources.js';

const encode = (init: Parameters<typeof create<typeof DiscoveryRequestSchema>>[1]) =>
  toBinary(DiscoveryRequestSchema, create(DiscoveryRequestSchema, init));

const full = {
  versionInfo: 'v7',
  node: { id: 'envoy-1', cluster: 'contour' },
  resourceNames: ['default/a/http', 'default/b/http', 'ünïcode/c/http'],
  typeUrl: typeUrls.endpoint,
  responseNonce: '42',
  errorDetail: { code: 3, message: 'bad' },
};

test('every field decodes as protobuf-es decodes it, names on demand', () => {
  const bytes = encode(full);
  const request = decodeSotwRequest(bytes);
  const expected = fromBinary(DiscoveryRequestSchema, bytes);
  assert.deepEqual(request.resourceNames(), expected.resourceNames);
  assert.deepEqual(request.fields, { ...expected, resourceNames: [] });
  assert.equal(request.resourceNames(), request.resourceNames(), 'decoded once');
});

test('names between other fields are collected wherever they are', () => {
  // Field order is free on the wire: names before, between and after other fields.
  const bytes = Buffer.concat([
    encode({ resourceNames: ['x'] }),
    encode({ typeUrl: typeUrls.route, responseNonce: '1' }),
    encode({ resourceNames: ['y', 'z'] }),
    encode({ versionInfo: 'v1' }),
    encode({ resourceNames: ['w'] }),
  ]);
  const request = decodeSotwRequest(bytes);
  assert.deepEqual(request.resourceNames(), ['x', 'y', 'z', 'w']);
  assert.equal(request.fields.typeUrl, typeUrls.route);
  assert.equal(request.fields.versionInfo, 'v1');
  assert.equal(request.fields.responseNonce, '1');
  assert.deepEqual([...request.encodedNames], [...encode({ resourceNames: ['x', 'y', 'z', 'w'] })]);
});

test('encoded names are equal exactly when the names and their order are', () => {
  const names = (resourceNames: string[], nonce: string) =>
    decodeSotwRequest(encode({ ...full, resourceNames, responseNonce: nonce })).encodedNames;
  assert.ok(sameEncoding(names(['a', 'b'], '1'), names(['a', 'b'], '2')), 'an ACK repeating them');
  assert.ok(!sameEncoding(names(['a', 'b'], '1'), names(['b', 'a'], '1')));
  assert.ok(!sameEncoding(names(['a', 'b'], '1'), names(['a', 'b', 'c'], '1')));
  assert.ok(!sameEncoding(names(['a'], '1'), names([], '1')));
  assert.ok(sameEncoding(names([], '1'), names([], '2')));
  assert.ok(!sameEncoding(undefined, names([], '1')), 'nothing before is never the same');
});

test('a request without names, and bytes that are not a request', () => {
  const empty = decodeSotwRequest(encode({ typeUrl: typeUrls.cluster }));
  assert.deepEqual(empty.resourceNames(), []);
  assert.equal(empty.encodedNames.length, 0);
  assert.throws(() => decodeSotwRequest(Uint8Array.from([0x1a, 0x05, 0x61])), 'a truncated name');
  assert.throws(() => decodeSotwRequest(Uint8Array.from([0xff])), 'a truncated tag');
});

test("names equal to a previous request's are recognized by their bytes, and only then", () => {
  const previous = decodeSotwRequest(encode({ ...full, resourceNames: ['a', 'b'] })).encodedNames.slice();
  const decode = (bytes: Uint8Array) => {
    const known = decodeSotwRequest(bytes, [Uint8Array.from([0x1a, 0x01, 0x7a]), previous]);
    const unknown = decodeSotwRequest(bytes);
    assert.deepEqual([...known.encodedNames], [...unknown.encodedNames]);
    assert.deepEqual(known.resourceNames(), unknown.resourceNames());
    assert.deepEqual(known.fields, unknown.fields);
    return known;
  };
  const ack = decode(encode({ ...full, resourceNames: ['a', 'b'], responseNonce: '43' }));
  assert.ok(sameEncoding(previous, ack.encodedNames));
  assert.equal(ack.fields.responseNonce, '43');
  // A longer list starting with the same names, and the same names followed by more after other fields.
  assert.deepEqual(decode(encode({ ...full, resourceNames: ['a', 'b', 'c'] })).resourceNames(), [
    'a',
    'b',
    'c',
  ]);
  const scattered = Buffer.concat([
    encode({ resourceNames: ['a', 'b'], typeUrl: typeUrls.endpoint }),
    encode({ resourceNames: ['c'] }),
  ]);
  assert.deepEqual(decode(scattered).resourceNames(), ['a', 'b', 'c']);
  assert.deepEqual(decode(encode({ ...full, resourceNames: ['b', 'a'] })).resourceNames(), ['b', 'a']);
  assert.deepEqual(decode(encode({ ...full, resourceNames: [] })).resourceNames(), []);
});
