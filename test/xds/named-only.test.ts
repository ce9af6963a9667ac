// API listeners (for proxyless gRPC clients) go only to clients that name them, never to wildcard LDS (Envoy).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { ListenerSchema } from '../../src/gen/envoy/config/listener/v3/listener_pb.js';
import { ApiListenerSchema } from '../../src/gen/envoy/config/listener/v3/api_listener_pb.js';
import { typeUrls } from '../../src/envoy/resources.js';
import { createSnapshotCache } from '../../src/xds/cache/snapshot-cache.js';
import { startXdsServer } from '../../src/xds/server/xds-server.js';
import { silentLogger } from '../../src/util/logger.js';
import { connect, deltaNames, openDelta, openSotw, sotwNames } from './client.js';
import { httpListener, resourcesOf } from './fixtures.js';

const apiListener = (name: string) =>
  create(ListenerSchema, { name, apiListener: create(ApiListenerSchema, {}) });

test('wildcard subscribers never get API listeners; named subscribers do', async () => {
  const cache = createSnapshotCache();
  cache.publish(
    resourcesOf({
      listeners: [httpListener('ingress_http', 'ingress_http'), apiListener('grpc.example.com')],
    }),
  );
  const server = await startXdsServer({ cache, address: '127.0.0.1', port: 0, logger: silentLogger() });
  const client = connect(server.port);
  try {
    const envoy = openSotw(client);
    envoy.send({ node: { id: 'envoy' }, typeUrl: typeUrls.listener });
    assert.deepEqual(sotwNames(await envoy.next()), ['ingress_http']);

    const envoyDelta = openDelta(client);
    envoyDelta.send({ node: { id: 'envoy-delta' }, typeUrl: typeUrls.listener });
    assert.deepEqual(deltaNames(await envoyDelta.next()), ['ingress_http']);

    const grpcClient = openSotw(client);
    grpcClient.send({
      node: { id: 'grpc' },
      typeUrl: typeUrls.listener,
      resourceNames: ['grpc.example.com'],
    });
    assert.deepEqual(sotwNames(await grpcClient.next()), ['grpc.example.com']);

    const grpcDelta = openDelta(client);
    grpcDelta.send({
      node: { id: 'grpc-delta' },
      typeUrl: typeUrls.listener,
      resourceNamesSubscribe: ['grpc.example.com'],
    });
    assert.deepEqual(deltaNames(await grpcDelta.next()), ['grpc.example.com']);
    for (const stream of [envoy, envoyDelta, grpcClient, grpcDelta]) stream.close();
  } finally {
    client.close();
    await server.close();
  }
});
