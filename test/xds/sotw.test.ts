// State-of-the-world conformance over real gRPC on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toBinary } from '@bufbuild/protobuf';
import { typeUrls } from '../../src/envoy/resources.js';
import { createSnapshotCache } from '../../src/xds/cache/snapshot-cache.js';
import { startXdsServer } from '../../src/xds/server/xds-server.js';
import { metricsRegistry } from '../../src/util/metrics.js';
import { silentLogger } from '../../src/util/logger.js';
import type { DiscoveryResponse } from '../../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import {
  ClusterLoadAssignmentSchema,
  type ClusterLoadAssignment,
} from '../../src/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { withServer, connect, openSotw, sotwNames } from './client.js';
import { edsCluster, endpoints, httpListener, resourcesOf, routeConfig, staticCluster } from './fixtures.js';

const node = { id: 'envoy-1', cluster: 'contour' };

test('first request, ACK, then only real changes are sent', async () => {
  await withServer(async ({ cache, client }) => {
    cache.publish(resourcesOf({ clusters: [staticCluster('a'), staticCluster('b')] }));
    const stream = openSotw(client);
    stream.send({ node, typeUrl: typeUrls.cluster });
    const first = await stream.next();
    assert.equal(first.typeUrl, typeUrls.cluster);
    assert.deepEqual(sotwNames(first), ['a', 'b']);
    assert.notEqual(first.versionInfo, '');
    assert.notEqual(first.nonce, '');
    stream.send({ typeUrl: typeUrls.cluster, versionInfo: first.versionInfo, responseNonce: first.nonce });
    // An identical publish is not a change; the next response must be the real change below.
    cache.publish(resourcesOf({ clusters: [staticCluster('a'), staticCluster('b')] }));
    cache.publish(resourcesOf({ clusters: [staticCluster('a'), staticCluster('c')] }));
    const second = await stream.next();
    assert.deepEqual(sotwNames(second), ['a', 'c']);
    assert.notEqual(second.versionInfo, first.versionInfo);
    assert.notEqual(second.nonce, first.nonce);
    stream.close();
  });
});

test('an empty snapshot still answers the first wildcard request', async () => {
  await withServer(async ({ client }) => {
    const stream = openSotw(client);
    stream.send({ node, typeUrl: typeUrls.listener });
    const response = await stream.next();
    assert.equal(response.typeUrl, typeUrls.listener);
    assert.equal(response.resources.length, 0);
    stream.close();
  });
});

test('NACK keeps the client where it was, is counted and shown; a fix is sent', async () => {
  await withServer(async ({ cache, client, server }) => {
    const nackCount = async () => {
      const metric = await metricsRegistry.getSingleMetric('contour_xds_nack_total')!.get();
      return metric.values.find((v) => v.labels.type_url === typeUrls.cluster)?.value ?? 0;
    };
    const before = await nackCount();
    cache.publish(resourcesOf({ clusters: [staticCluster('good')] }));
    const stream = openSotw(client);
    stream.send({ node, typeUrl: typeUrls.cluster });
    const good = await stream.next();
    stream.send({ typeUrl: typeUrls.cluster, versionInfo: good.versionInfo, responseNonce: good.nonce });
    cache.publish(resourcesOf({ clusters: [staticCluster('good'), staticCluster('bad')] }));
    const bad = await stream.next();
    assert.deepEqual(sotwNames(bad), ['bad', 'good']);
    stream.send({
      typeUrl: typeUrls.cluster,
      versionInfo: good.versionInfo,
      responseNonce: bad.nonce,
      errorDetail: { code: 3, message: 'cluster bad: invalid' },
    });
    // The rejected content is not resent; the next response is the fix.
    cache.publish(resourcesOf({ clusters: [staticCluster('good'), staticCluster('fixed')] }));
    const fixed = await stream.next();
    assert.deepEqual(sotwNames(fixed), ['fixed', 'good']);
    assert.equal((await nackCount()) - before, 1);
    const info = server.clients()[0].types.find((t) => t.typeUrl === typeUrls.cluster)!;
    assert.equal(info.lastNack?.message, 'cluster bad: invalid');
    assert.equal(info.ackedVersion, good.versionInfo);
    assert.equal(info.pendingNonce, fixed.nonce);
    stream.close();
  });
});

test('a request with a stale nonce neither ACKs nor NACKs', async () => {
  await withServer(async ({ cache, client, server }) => {
    cache.publish(
      resourcesOf({ endpoints: [endpoints('a'), endpoints('b')], clusters: [staticCluster('c')] }),
    );
    const stream = openSotw(client);
    stream.send({ node, typeUrl: typeUrls.endpoint, resourceNames: ['a'] });
    const first = await stream.next();
    assert.deepEqual(sotwNames(first), ['a']);
    stream.send({
      typeUrl: typeUrls.endpoint,
      resourceNames: ['a'],
      responseNonce: first.nonce,
      versionInfo: first.versionInfo,
    });
    cache.publishEndpoints([endpoints('a', 1), endpoints('b')]);
    const second = await stream.next();
    // Answers the first response after the second was sent: stale, so not a NACK of the second.
    stream.send({
      typeUrl: typeUrls.endpoint,
      resourceNames: ['a'],
      responseNonce: first.nonce,
      errorDetail: { code: 3, message: 'stale' },
    });
    // Requests are handled in order: once the cluster response arrives, the stale one was handled.
    stream.send({ typeUrl: typeUrls.cluster });
    const clusters = await stream.next();
    assert.equal(clusters.typeUrl, typeUrls.cluster);
    const endpointInfo = server.clients()[0].types.find((t) => t.typeUrl === typeUrls.endpoint)!;
    assert.equal(endpointInfo.nackCount, 0);
    assert.equal(endpointInfo.pendingNonce, second.nonce);
    assert.equal(endpointInfo.ackedVersion, first.versionInfo);
    stream.send({
      typeUrl: typeUrls.endpoint,
      resourceNames: ['a'],
      responseNonce: second.nonce,
      versionInfo: second.versionInfo,
    });
    cache.publishEndpoints([endpoints('a', 2), endpoints('b')]);
    const third = await stream.next();
    assert.equal(third.typeUrl, typeUrls.endpoint);
    assert.deepEqual(sotwNames(third), ['a']);
    stream.close();
  });
});

test('subscribe and unsubscribe by name; node only on the first request', async () => {
  await withServer(async ({ cache, client, server }) => {
    cache.publish(
      resourcesOf({ routes: [routeConfig('r1', []), routeConfig('r2', []), routeConfig('r3', [])] }),
    );
    const stream = openSotw(client);
    stream.send({ node, typeUrl: typeUrls.route, resourceNames: ['r1'] });
    const first = await stream.next();
    assert.deepEqual(sotwNames(first), ['r1']);
    stream.send({
      typeUrl: typeUrls.route,
      resourceNames: ['r1', 'r3'],
      responseNonce: first.nonce,
      versionInfo: first.versionInfo,
    });
    const second = await stream.next();
    // Named types carry what the client lacks: r1 is already accepted.
    assert.deepEqual(sotwNames(second), ['r3']);
    stream.send({
      typeUrl: typeUrls.route,
      resourceNames: ['r3'],
      responseNonce: second.nonce,
      versionInfo: second.versionInfo,
    });
    const third = await stream.next();
    // Unsubscribing is answered, with nothing to add, under a new version_info.
    assert.deepEqual(sotwNames(third), []);
    assert.notEqual(third.versionInfo, second.versionInfo);
    const [info] = server.clients();
    assert.equal(info.nodeId, 'envoy-1');
    assert.equal(info.kind, 'ads-sotw');
    stream.close();
  });
});

test('a named resource gone from the snapshot stays counted until the client stops naming it; responses carry changes only', async () => {
  await withServer(async ({ cache, client }) => {
    // The assignment a response carries for a name, compared as encoded bytes.
    const carries = (response: DiscoveryResponse, assignment: ClusterLoadAssignment): boolean =>
      response.resources.some((any) =>
        Buffer.from(any.value).equals(toBinary(ClusterLoadAssignmentSchema, assignment)),
      );
    cache.publishEndpoints([endpoints('a', 1), endpoints('b', 1)]);
    const stream = openSotw(client);
    stream.send({ node, typeUrl: typeUrls.endpoint, resourceNames: ['a', 'b'] });
    const first = await stream.next();
    assert.deepEqual(sotwNames(first), ['a', 'b']);
    const ack = (response: DiscoveryResponse, resourceNames: string[]) =>
      stream.send({
        typeUrl: typeUrls.endpoint,
        resourceNames,
        responseNonce: response.nonce,
        versionInfo: response.versionInfo,
      });
    ack(first, ['a', 'b']);
    // Leaving a out changes nothing on a state-of-the-world client that names it, so a's removal
    // alone sends nothing, and the next response carries only b, which changed.
    cache.publishEndpoints([endpoints('b', 1)]);
    cache.publishEndpoints([endpoints('b', 2)]);
    const second = await stream.next();
    assert.deepEqual(sotwNames(second), ['b']);
    assert.ok(carries(second, endpoints('b', 2)), 'b as changed');
    ack(second, ['a', 'b']);
    // version_info stands for everything the client holds (a as accepted, b as changed): a new
    // client given the same state in full gets the same version_info.
    const again = openSotw(client);
    cache.publishEndpoints([endpoints('a', 1), endpoints('b', 2)]);
    again.send({ node, typeUrl: typeUrls.endpoint, resourceNames: ['a', 'b'] });
    const full = await again.next();
    assert.deepEqual(sotwNames(full), ['a', 'b']);
    assert.ok(carries(full, endpoints('a', 1)));
    assert.equal(full.versionInfo, second.versionInfo);
    // Once it stops naming a, a is gone for it: the answer adds nothing and its version_info changes.
    ack(second, ['b']);
    const third = await stream.next();
    assert.deepEqual(sotwNames(third), []);
    assert.notEqual(third.versionInfo, second.versionInfo);
    again.close();
    stream.close();
  });
});

test('wildcard listeners follow additions and removals; a reconnect gets the full state', async () => {
  await withServer(async ({ cache, client }) => {
    cache.publish(resourcesOf({ listeners: [httpListener('l1', 'r')], routes: [routeConfig('r', [])] }));
    const stream = openSotw(client);
    stream.send({ node, typeUrl: typeUrls.listener, resourceNames: [] });
    const first = await stream.next();
    assert.deepEqual(sotwNames(first), ['l1']);
    stream.send({ typeUrl: typeUrls.listener, responseNonce: first.nonce, versionInfo: first.versionInfo });
    cache.publish(resourcesOf({ listeners: [httpListener('l2', 'r')], routes: [routeConfig('r', [])] }));
    const second = await stream.next();
    assert.deepEqual(sotwNames(second), ['l2']);
    stream.close();
    const again = openSotw(client);
    again.send({ node, typeUrl: typeUrls.listener, versionInfo: second.versionInfo });
    const full = await again.next();
    assert.deepEqual(sotwNames(full), ['l2']);
    assert.equal(full.versionInfo, second.versionInfo, 'equal content gives an equal version');
    again.close();
  });
});

test('per-type services serve their type with an implicit type URL', async () => {
  await withServer(async ({ cache, client, server }) => {
    cache.publish(resourcesOf({ clusters: [edsCluster('c')], endpoints: [endpoints('c')] }));
    const stream = openSotw(client, 'envoy.service.cluster.v3.ClusterDiscoveryService');
    stream.send({ node });
    const response = await stream.next();
    assert.equal(response.typeUrl, typeUrls.cluster);
    assert.deepEqual(sotwNames(response), ['c']);
    assert.equal(server.clients()[0].kind, 'sotw');
    stream.close();
  });
});

test('unary Fetch methods answer UNIMPLEMENTED', async () => {
  await withServer(async ({ client }) => {
    const status = await new Promise<number>((resolve) => {
      client.makeUnaryRequest(
        '/envoy.service.cluster.v3.ClusterDiscoveryService/FetchClusters',
        (value: Buffer) => value,
        (value: Buffer) => value,
        Buffer.alloc(0),
        (error) => resolve(error?.code ?? 0),
      );
    });
    assert.equal(status, 12);
  });
});

test('close ends streams with OK so clients reconnect elsewhere', async () => {
  const cache = createSnapshotCache();
  const server = await startXdsServer({ cache, address: '127.0.0.1', port: 0, logger: silentLogger() });
  const client = connect(server.port);
  const stream = openSotw(client);
  stream.send({ node, typeUrl: typeUrls.cluster });
  await stream.next();
  await server.close();
  const status = await stream.ended;
  assert.equal(status.code, 0);
  client.close();
});
