// Fan-out: 1,000 concurrent delta ADS streams all get one change; an EDS-only change wakes only the streams
// that subscribe to it; once they disconnect, the server forgets them and memory returns near its baseline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type * as grpc from '@grpc/grpc-js';
import * as grpcModule from '@grpc/grpc-js';
import { typeUrls } from '../../src/envoy/resources.js';
import { createSnapshotCache } from '../../src/xds/cache/snapshot-cache.js';
import { defaultXdsLimits } from '../../src/xds/server/limits.js';
import { startXdsServer } from '../../src/xds/server/xds-server.js';
import { silentLogger } from '../../src/util/logger.js';
import { deltaNames, openDelta, type DeltaStream } from './client.js';
import { edsCluster, endpoints, resourcesOf } from './fixtures.js';

const streamCount = 1000;
const connectionCount = 8;

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const settledHeap = async (): Promise<number> => {
  for (let i = 0; i < 3; i += 1) {
    collectGarbage();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
};

const until = async (condition: () => boolean): Promise<void> => {
  while (!condition()) await new Promise<void>((resolve) => setTimeout(resolve, 10));
};

const clusters = (extra: string[] = []) =>
  resourcesOf({
    clusters: [...Array.from({ length: 20 }, (_, i) => `c${i}`), ...extra].map((name) => edsCluster(name)),
    endpoints: Array.from({ length: 20 }, (_, i) => endpoints(`c${i}`)),
  });

test(
  `${streamCount} delta ADS streams: fan-out, targeted EDS wake-ups, memory back to baseline`,
  { timeout: 120_000 },
  async () => {
    const cache = createSnapshotCache();
    cache.publish(clusters());
    // 125 streams per connection: a harness, not an Envoy (which opens a few per connection).
    const server = await startXdsServer({
      cache,
      address: '127.0.0.1',
      port: 0,
      logger: silentLogger(),
      limits: { ...defaultXdsLimits, maxStreamsPerConnection: streamCount },
    });
    try {
      const baseline = await settledHeap();
      // Several connections, as many Envoys would use; a distinct option keeps grpc-js from sharing one.
      const clients: grpc.Client[] = Array.from(
        { length: connectionCount },
        (_, i) =>
          new grpcModule.Client(`127.0.0.1:${server.port}`, grpcModule.credentials.createInsecure(), {
            'grpc.primary_user_agent': `fan-out-${i}`,
          }),
      );
      const streams: DeltaStream[] = [];
      const firsts: Promise<void>[] = [];
      for (let i = 0; i < streamCount; i += 1) {
        const stream = openDelta(clients[i % connectionCount]);
        streams.push(stream);
        stream.send({ node: { id: `envoy-${i}` }, typeUrl: typeUrls.cluster });
        // Even streams watch c0's endpoints, odd ones c1's.
        stream.send({ typeUrl: typeUrls.endpoint, resourceNamesSubscribe: [i % 2 === 0 ? 'c0' : 'c1'] });
        firsts.push(
          (async () => {
            for (let seen = 0; seen < 2; seen += 1) {
              const response = await stream.next();
              stream.send({ typeUrl: response.typeUrl, responseNonce: response.nonce });
            }
          })(),
        );
      }
      await Promise.all(firsts);
      assert.equal(server.clients().length, streamCount);

      // One cluster change reaches every stream, and only it.
      cache.publish(clusters(['new']));
      const changes = await Promise.all(streams.map((stream) => stream.next()));
      for (const change of changes) {
        assert.equal(change.typeUrl, typeUrls.cluster);
        assert.deepEqual(deltaNames(change), ['new']);
      }
      changes.forEach((change, i) =>
        streams[i].send({ typeUrl: change.typeUrl, responseNonce: change.nonce }),
      );

      // An EDS-only change to c0 wakes the even streams only: after the next cluster change, odd streams'
      // next message is that cluster change, even streams' is the endpoint update first.
      cache.publishEndpoints(Array.from({ length: 20 }, (_, i) => endpoints(`c${i}`, i === 0 ? 9999 : 8080)));
      const evenUpdates = await Promise.all(
        streams.filter((_, i) => i % 2 === 0).map((stream) => stream.next()),
      );
      for (const update of evenUpdates) {
        assert.equal(update.typeUrl, typeUrls.endpoint);
        assert.deepEqual(deltaNames(update), ['c0']);
      }
      streams
        .filter((_, i) => i % 2 === 0)
        .forEach((stream, i) =>
          stream.send({ typeUrl: typeUrls.endpoint, responseNonce: evenUpdates[i].nonce }),
        );
      cache.publish(clusters(['new', 'newer']));
      const next = await Promise.all(streams.map((stream) => stream.next()));
      for (const message of next) {
        assert.equal(message.typeUrl, typeUrls.cluster);
        assert.deepEqual(deltaNames(message), ['newer']);
      }

      for (const stream of streams) stream.close();
      for (const client of clients) client.close();
      await until(() => server.clients().length === 0);
      streams.length = 0;
      changes.length = 0;
      next.length = 0;
      evenUpdates.length = 0;
      const after = await settledHeap();
      const grownMiB = (after - baseline) / 2 ** 20;
      assert.ok(grownMiB < 24, `heap grew ${grownMiB.toFixed(1)} MiB after every stream closed`);
    } finally {
      await server.close();
    }
  },
);
