// RTDS over the real gRPC stack: the `dynamic` runtime layer translate makes (Contour's re2 limits,
// the listener-derived keys, the user's settings) reaches an Envoy-like client on its first request,
// over ADS (state of the world and delta) and the per-type RuntimeDiscoveryService, and a change of
// the layer is pushed after the ACK. The bootstrap's rtds layer names the same resource.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '@bufbuild/protobuf';
import type { Runtime } from '../../src/gen/envoy/service/runtime/v3/rtds_pb.js';
import { translate } from '../../src/assemble/translate.js';
import { defaultTranslateOptions, type RuntimeOptions } from '../../src/envoy/options.js';
import { typeUrls } from '../../src/envoy/resources.js';
import { dynamicRuntimeLayerName } from '../../src/envoy/runtime.js';
import { buildBootstrap, defaultBootstrapOptions } from '../../src/envoy/bootstrap.js';
import { createStore } from '../../src/store/store.js';
import type { Dag } from '../../src/dag/types.js';
import { deltaResource, openDelta, openSotw, sotwNames, sotwResources, withServer } from './client.js';

const emptyDag: Dag = { httpVirtualHosts: [], httpsVirtualHosts: [], clusters: [], secrets: [] };

const resourcesWith = (runtime: RuntimeOptions) =>
  translate(emptyDag, createStore(), { ...defaultTranslateOptions, runtime });

const layerOf = (message: unknown): JsonObject | undefined => (message as Runtime).layer;

const contourKeys = { 're2.max_program_size.error_level': 1048576, 're2.max_program_size.warn_level': 1000 };

describe('RTDS', () => {
  it('answers an ADS subscription to "dynamic" at once, then pushes a changed layer after the ACK', () =>
    withServer(async ({ cache, client }) => {
      cache.publish(resourcesWith({ maxConnectionsPerListener: 100, settings: { 'a.b': 'true' } }));
      const envoy = openSotw(client);
      // Envoy asks for its RTDS layers during initialization, before LDS and CDS.
      envoy.send({
        node: { id: 'envoy' },
        typeUrl: typeUrls.runtime,
        resourceNames: [dynamicRuntimeLayerName],
      });
      const first = await envoy.next();
      assert.equal(first.typeUrl, typeUrls.runtime);
      assert.deepEqual(sotwNames(first), [dynamicRuntimeLayerName]);
      assert.deepEqual(layerOf(sotwResources(first)[0]), {
        'a.b': 'true',
        'envoy.resource_limits.listener.ingress_http.connection_limit': 100,
        'envoy.resource_limits.listener.ingress_https.connection_limit': 100,
        ...contourKeys,
      });
      envoy.send({
        typeUrl: typeUrls.runtime,
        resourceNames: [dynamicRuntimeLayerName],
        versionInfo: first.versionInfo,
        responseNonce: first.nonce,
      });
      // Listeners still come on the same stream.
      envoy.send({ typeUrl: typeUrls.listener });
      const listeners = await envoy.next();
      assert.equal(listeners.typeUrl, typeUrls.listener);

      cache.publish(resourcesWith({ maxRequestsPerIoCycle: 7 }));
      const changed = await envoy.next();
      assert.equal(changed.typeUrl, typeUrls.runtime);
      assert.notEqual(changed.versionInfo, first.versionInfo);
      assert.deepEqual(layerOf(sotwResources(changed)[0]), {
        'http.max_requests_per_io_cycle': 7,
        ...contourKeys,
      });
      envoy.close();
    }));

  it('serves the layer on the per-type RuntimeDiscoveryService and over delta ADS', () =>
    withServer(async ({ cache, client }) => {
      cache.publish(resourcesWith({}));
      const rtds = openSotw(client, 'envoy.service.runtime.v3.RuntimeDiscoveryService');
      rtds.send({ node: { id: 'envoy-rtds' }, resourceNames: [dynamicRuntimeLayerName] });
      assert.deepEqual(layerOf(sotwResources(await rtds.next())[0]), contourKeys);

      const delta = openDelta(client);
      delta.send({
        node: { id: 'envoy-delta' },
        typeUrl: typeUrls.runtime,
        resourceNamesSubscribe: [dynamicRuntimeLayerName],
      });
      assert.deepEqual(layerOf(deltaResource(await delta.next(), dynamicRuntimeLayerName)), contourKeys);
      rtds.close();
      delta.close();
    }));

  it('answers a first request for a layer it does not have, so no initialization waits for it', () =>
    withServer(async ({ cache, client }) => {
      cache.publish(resourcesWith({}));
      const envoy = openSotw(client);
      envoy.send({ node: { id: 'envoy' }, typeUrl: typeUrls.runtime, resourceNames: ['other'] });
      const response = await envoy.next();
      assert.equal(response.typeUrl, typeUrls.runtime);
      assert.deepEqual(sotwNames(response), []);
      envoy.close();
    }));

  it('is what the bootstrap subscribes to: an rtds layer "dynamic" over ADS, then the admin layer', () => {
    const result = buildBootstrap({ ...defaultBootstrapOptions, path: '-' });
    assert.ok(result.ok);
    const bootstrap = JSON.parse(result.documents[0].json) as {
      layered_runtime: { layers: Record<string, unknown>[] };
    };
    assert.deepEqual(bootstrap.layered_runtime.layers, [
      {
        name: dynamicRuntimeLayerName,
        rtds_layer: { name: dynamicRuntimeLayerName, rtds_config: { ads: {}, resource_api_version: 'V3' } },
      },
      { name: 'admin', admin_layer: {} },
    ]);
  });
});
