// Hostile xDS clients against the real gRPC stack on loopback: huge subscriptions and stream floods end
// with RESOURCE_EXHAUSTED naming the bound, while well-behaved streams keep being served (issue 13, item 11).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { parseServeConfig } from '../../src/cli/config.js';
import { typeUrls } from '../../src/envoy/resources.js';
import { silentLogger } from '../../src/util/logger.js';
import { createSnapshotCache, type SnapshotCache } from '../../src/xds/cache/snapshot-cache.js';
import { defaultXdsLimits, type XdsLimits } from '../../src/xds/server/limits.js';
import { startXdsServer, type XdsServer } from '../../src/xds/server/xds-server.js';
import { waitFor } from '../helpers/wait.js';
import { edsCluster, resourcesOf } from '../xds/fixtures.js';
import { openDelta, openSotw, type SotwStream, type TestStream } from '../xds/client.js';
import type { DiscoveryResponse } from '../../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import { loopbackFlags } from './http-helpers.js';

const limits: XdsLimits = {
  maxNamesPerRequest: 1_000,
  maxNamesPerStream: 1_500,
  maxStreamsPerConnection: 4,
  maxStreams: 6,
  maxReceiveMessageBytes: 256 * 1024,
};

const clusters = (list: string[]) => resourcesOf({ clusters: list.map((name) => edsCluster(name)) });

const names = (count: number, prefix = 'n'): string[] =>
  Array.from({ length: count }, (_, i) => `${prefix}${i}`);

/** A client on its own connection (a distinct option keeps grpc-js from sharing one). */
const client = (port: number, label: string): grpc.Client =>
  new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    'grpc.primary_user_agent': label,
  });

/** Takes a SotW stream's next response and ACKs it (the next one is sent only after). */
const nextAcked = async (stream: SotwStream): Promise<DiscoveryResponse> => {
  const response = await stream.next();
  stream.send({
    typeUrl: response.typeUrl,
    versionInfo: response.versionInfo,
    responseNonce: response.nonce,
  });
  return response;
};

/** The status a stream ended with, or "still open" if it has not ended within a generous bound. */
const endOf = async <Req, Res>(stream: TestStream<Req, Res>): Promise<grpc.StatusObject | 'still open'> => {
  let timer: NodeJS.Timeout | undefined;
  const open = new Promise<'still open'>(
    (resolve) => (timer = setTimeout(() => resolve('still open'), 10_000)),
  );
  try {
    return await Promise.race([stream.ended, open]);
  } finally {
    clearTimeout(timer);
  }
};

const assertRefused = (ended: grpc.StatusObject | 'still open', flag: string): void => {
  assert.notEqual(ended, 'still open', `the stream should have been ended (--${flag})`);
  const status = ended as grpc.StatusObject;
  assert.equal(status.code, grpc.status.RESOURCE_EXHAUSTED, status.details);
  assert.match(status.details, new RegExp(`--${flag}`));
};

describe('xDS limits', () => {
  let cache: SnapshotCache;
  let server: XdsServer;
  const clients: grpc.Client[] = [];

  before(async () => {
    cache = createSnapshotCache();
    cache.publish(clusters(['a', 'b']));
    server = await startXdsServer({ cache, address: '127.0.0.1', port: 0, logger: silentLogger(), limits });
  });
  after(async () => {
    for (const c of clients) c.close();
    await server.close();
  });

  const newClient = (label: string): grpc.Client => {
    const c = client(server.port, label);
    clients.push(c);
    return c;
  };

  it('serves a subscription of exactly the per-request limit', async () => {
    const stream = openSotw(newClient('exact'));
    stream.send({
      node: { id: 'exact' },
      typeUrl: typeUrls.endpoint,
      resourceNames: names(limits.maxNamesPerRequest),
    });
    const response = await stream.next();
    assert.equal(response.typeUrl, typeUrls.endpoint);
    stream.close();
  });

  it('ends a SotW or delta stream whose request names too many resources', async () => {
    const tooMany = names(limits.maxNamesPerRequest + 1);
    const sotw = openSotw(newClient('sotw-request'));
    sotw.send({ node: { id: 'big' }, typeUrl: typeUrls.endpoint, resourceNames: tooMany });
    const delta = openDelta(newClient('delta-request'));
    delta.send({ node: { id: 'big' }, typeUrl: typeUrls.endpoint, resourceNamesSubscribe: tooMany });
    assertRefused(await endOf(sotw), 'xds-max-names-per-request');
    assertRefused(await endOf(delta), 'xds-max-names-per-request');
  });

  it('ends a stream whose subscriptions together pass the per-stream limit', async () => {
    const sotw = openSotw(newClient('sotw-stream'));
    sotw.send({ node: { id: 'wide' }, typeUrl: typeUrls.endpoint, resourceNames: names(1_000, 'e') });
    await sotw.next();
    sotw.send({ typeUrl: typeUrls.route, resourceNames: names(501, 'r') });
    assertRefused(await endOf(sotw), 'xds-max-names-per-stream');

    const delta = openDelta(newClient('delta-stream'));
    for (let i = 0; i < 2; i += 1)
      delta.send({
        node: { id: 'wide' },
        typeUrl: typeUrls.endpoint,
        resourceNamesSubscribe: names(800, `d${i}-`),
      });
    assertRefused(await endOf(delta), 'xds-max-names-per-stream');
  });

  it('refuses streams past the per-connection and total limits, and keeps serving the others', async () => {
    const first = newClient('many-streams');
    const kept = Array.from({ length: limits.maxStreamsPerConnection }, () => openSotw(first));
    for (const stream of kept) stream.send({ node: { id: 'kept' }, typeUrl: typeUrls.cluster });
    for (const stream of kept) await nextAcked(stream);
    for (let i = 0; i < 3; i += 1) {
      const extra = openSotw(first);
      extra.send({ node: { id: 'extra' }, typeUrl: typeUrls.cluster });
      assertRefused(await endOf(extra), 'xds-max-streams-per-connection');
    }
    // Other connections fill the server up to its total.
    const second = newClient('total');
    const more = Array.from({ length: limits.maxStreams - limits.maxStreamsPerConnection }, () =>
      openSotw(second),
    );
    for (const stream of more) stream.send({ node: { id: 'more' }, typeUrl: typeUrls.cluster });
    for (const stream of more) await nextAcked(stream);
    const third = openSotw(newClient('over-total'));
    third.send({ node: { id: 'over' }, typeUrl: typeUrls.cluster });
    assertRefused(await endOf(third), 'xds-max-streams');
    assert.equal(server.clients().length, limits.maxStreams);

    // The streams within the limits still get every change.
    cache.publish(clusters(['a', 'b', 'c']));
    for (const stream of [...kept, ...more]) {
      const response = await stream.next();
      assert.equal(response.typeUrl, typeUrls.cluster);
      assert.equal(response.resources.length, 3);
    }
    for (const stream of [...kept, ...more]) stream.close();
    await waitFor('the streams to close', () => server.clients().length === 0);
    // Closed streams free their places.
    const later = openSotw(first);
    later.send({ node: { id: 'later' }, typeUrl: typeUrls.cluster });
    assert.equal((await later.next()).typeUrl, typeUrls.cluster);
    later.close();
  });

  it('refuses a request larger than the receive limit', async () => {
    const stream = openSotw(newClient('huge'));
    stream.send({
      node: { id: 'huge' },
      typeUrl: typeUrls.endpoint,
      resourceNames: [names(1, 'x'.repeat(300 * 1024))[0]],
    });
    const ended = await endOf(stream);
    assert.notEqual(ended, 'still open');
    assert.equal((ended as grpc.StatusObject).code, grpc.status.RESOURCE_EXHAUSTED);
  });
});

describe('xDS limits with the defaults', () => {
  it('ends a stream subscribing to 1,000,000 names without decoding them, and keeps serving', async () => {
    const cache = createSnapshotCache();
    cache.publish(clusters(['a']));
    const server = await startXdsServer({ cache, address: '127.0.0.1', port: 0, logger: silentLogger() });
    const c = client(server.port, 'million');
    try {
      const huge = openSotw(c);
      huge.send({ node: { id: 'million' }, typeUrl: typeUrls.endpoint, resourceNames: names(1_000_000) });
      assertRefused(await endOf(huge), 'xds-max-names-per-request');
      const fine = openSotw(c);
      fine.send({ node: { id: 'fine' }, typeUrl: typeUrls.cluster });
      assert.equal((await fine.next()).resources.length, 1);
      fine.close();
    } finally {
      c.close();
      await server.close();
    }
  });

  it('are flags of contour serve, refused when not positive', () => {
    assert.deepEqual(parseServeConfig(loopbackFlags('dir'), {}).xdsLimits, defaultXdsLimits);
    const raised = parseServeConfig(
      loopbackFlags('dir', { xdsMaxNamesPerRequest: '5', xdsMaxStreams: '7' }),
      {},
    );
    assert.equal(raised.xdsLimits.maxNamesPerRequest, 5);
    assert.equal(raised.xdsLimits.maxStreams, 7);
    for (const [flag, key] of [
      ['--xds-max-names-per-request', 'xdsMaxNamesPerRequest'],
      ['--xds-max-names-per-stream', 'xdsMaxNamesPerStream'],
      ['--xds-max-streams-per-connection', 'xdsMaxStreamsPerConnection'],
      ['--xds-max-streams', 'xdsMaxStreams'],
      ['--xds-max-receive-message-size', 'xdsMaxReceiveMessageSize'],
    ] as const) {
      assert.throws(() => parseServeConfig(loopbackFlags('dir', { [key]: '0' }), {}), new RegExp(flag));
    }
  });
});
