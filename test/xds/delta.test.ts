// Delta xDS conformance over real gRPC on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { typeUrls } from '../../src/envoy/resources.js';
import { ClusterSchema, type Cluster } from '../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import { withServer, deltaNames, deltaResource, openDelta } from './client.js';
import { endpoints, resourcesOf, routeConfig, staticCluster, edsCluster } from './fixtures.js';

const node = { id: 'envoy-delta', cluster: 'contour' };

test('delta wildcard: first response, ACK, changes and removals', async () => {
  await withServer(async ({ cache, client, server }) => {
    cache.publish(resourcesOf({ clusters: [staticCluster('a'), staticCluster('b')] }));
    const stream = openDelta(client);
    stream.send({ node, typeUrl: typeUrls.cluster });
    const first = await stream.next();
    assert.deepEqual(deltaNames(first), ['a', 'b']);
    assert.equal(first.systemVersionInfo, cache.version());
    const versionOfA = first.resources[0].version;
    assert.notEqual(versionOfA, '');
    stream.send({ typeUrl: typeUrls.cluster, responseNonce: first.nonce });
    cache.publish(resourcesOf({ clusters: [staticCluster('a'), staticCluster('c')] }));
    const second = await stream.next();
    assert.deepEqual(deltaNames(second), ['c'], 'only what changed');
    assert.deepEqual(second.removedResources, ['b']);
    stream.send({ typeUrl: typeUrls.cluster, responseNonce: second.nonce });
    cache.publish(resourcesOf({ clusters: [staticCluster('a'), staticCluster('c'), staticCluster('d')] }));
    const third = await stream.next();
    assert.deepEqual(deltaNames(third), ['d']);
    const info = server.clients()[0];
    assert.equal(info.kind, 'ads-delta');
    assert.equal(info.nodeId, 'envoy-delta');
    assert.deepEqual(Object.keys(info.types[0].ackedResources), ['a', 'c']);
    stream.close();
  });
});

test('delta subscribe and unsubscribe by name; unknown names are reported removed', async () => {
  await withServer(async ({ cache, client }) => {
    cache.publish(resourcesOf({ endpoints: [endpoints('e1'), endpoints('e2')] }));
    const stream = openDelta(client);
    stream.send({ node, typeUrl: typeUrls.endpoint, resourceNamesSubscribe: ['e1', 'missing'] });
    const first = await stream.next();
    assert.deepEqual(deltaNames(first), ['e1']);
    assert.deepEqual(first.removedResources, ['missing']);
    stream.send({ typeUrl: typeUrls.endpoint, responseNonce: first.nonce, resourceNamesSubscribe: ['e2'] });
    const second = await stream.next();
    assert.deepEqual(deltaNames(second), ['e2']);
    stream.send({
      typeUrl: typeUrls.endpoint,
      responseNonce: second.nonce,
      resourceNamesUnsubscribe: ['e1'],
    });
    // e1 changes after the unsubscribe: nothing for it; e2 changes: sent.
    cache.publishEndpoints([endpoints('e1', 1), endpoints('e2')]);
    cache.publishEndpoints([endpoints('e1', 1), endpoints('e2', 2)]);
    const third = await stream.next();
    assert.deepEqual(deltaNames(third), ['e2']);
    assert.deepEqual(third.removedResources, []);
    // Re-subscribing to a resource the client is believed to have sends it again.
    stream.send({ typeUrl: typeUrls.endpoint, responseNonce: third.nonce, resourceNamesSubscribe: ['e2'] });
    const fourth = await stream.next();
    assert.deepEqual(deltaNames(fourth), ['e2']);
    stream.close();
  });
});

test('delta reconnect with initial_resource_versions sends only what differs', async () => {
  await withServer(async ({ cache, client }) => {
    cache.publish(
      resourcesOf({ clusters: [staticCluster('same'), staticCluster('old'), staticCluster('gone')] }),
    );
    const stream = openDelta(client);
    stream.send({ node, typeUrl: typeUrls.cluster });
    const first = await stream.next();
    stream.send({ typeUrl: typeUrls.cluster, responseNonce: first.nonce });
    const versions = Object.fromEntries(first.resources.map((r) => [r.name, r.version]));
    stream.close();
    await stream.ended;
    cache.publish(
      resourcesOf({
        clusters: [staticCluster('same'), edsCluster('old'), staticCluster('new')],
        endpoints: [],
      }),
    );
    const again = openDelta(client);
    again.send({ node, typeUrl: typeUrls.cluster, initialResourceVersions: versions });
    const resumed = await again.next();
    assert.deepEqual(deltaNames(resumed), ['new', 'old']);
    assert.deepEqual(resumed.removedResources, ['gone']);
    const old = deltaResource(resumed, 'old') as Cluster;
    assert.equal(old.$typeName, ClusterSchema.typeName);
    assert.equal(old.clusterDiscoveryType.case, 'type');
    again.close();
  });
});

test('delta NACK then fix; a stale nonce does not settle the newest response', async () => {
  await withServer(async ({ cache, client, server }) => {
    cache.publish(resourcesOf({ clusters: [staticCluster('a')] }));
    const stream = openDelta(client);
    stream.send({ node, typeUrl: typeUrls.cluster });
    const first = await stream.next();
    stream.send({ typeUrl: typeUrls.cluster, responseNonce: first.nonce });
    cache.publish(resourcesOf({ clusters: [staticCluster('a'), staticCluster('bad')] }));
    const bad = await stream.next();
    assert.deepEqual(deltaNames(bad), ['bad']);
    // A stale nonce (the first response's) is not an answer to "bad": it stays pending.
    stream.send({ typeUrl: typeUrls.cluster, responseNonce: first.nonce });
    stream.send({
      typeUrl: typeUrls.cluster,
      responseNonce: bad.nonce,
      errorDetail: { code: 3, message: 'no' },
    });
    cache.publish(resourcesOf({ clusters: [staticCluster('a'), staticCluster('good')] }));
    const fixed = await stream.next();
    // The client never accepted "bad", so from its accepted state only "good" is new.
    assert.deepEqual(deltaNames(fixed), ['good']);
    assert.deepEqual(fixed.removedResources, []);
    const info = server.clients()[0].types[0];
    assert.equal(info.nackCount, 1);
    assert.equal(info.lastNack?.message, 'no');
    stream.close();
  });
});

test('explicit "*" subscribes to everything, unsubscribing "*" stops it', async () => {
  await withServer(async ({ cache, client }) => {
    cache.publish(resourcesOf({ secrets: [], clusters: [staticCluster('x')] }));
    const stream = openDelta(client, 'envoy.service.cluster.v3.ClusterDiscoveryService');
    stream.send({ node, resourceNamesSubscribe: ['*'] });
    const first = await stream.next();
    assert.deepEqual(deltaNames(first), ['x']);
    stream.send({
      responseNonce: first.nonce,
      resourceNamesUnsubscribe: ['*'],
      resourceNamesSubscribe: ['y'],
    });
    const notYet = await stream.next();
    assert.deepEqual(deltaNames(notYet), []);
    assert.deepEqual(notYet.removedResources, ['y'], 'y does not exist yet');
    stream.send({ responseNonce: notYet.nonce });
    cache.publish(resourcesOf({ clusters: [staticCluster('x'), staticCluster('y'), staticCluster('z')] }));
    // y is subscribed by name; x was forgotten with the wildcard; z is not wanted.
    const response = await stream.next();
    assert.deepEqual(deltaNames(response), ['y']);
    stream.close();
  });
});

test('make before break, step by step: new cluster accepted before the route, old one removed after', async () => {
  await withServer(async ({ cache, client }) => {
    cache.publish(resourcesOf({ clusters: [staticCluster('c1')], routes: [routeConfig('r', ['c1'])] }));
    const stream = openDelta(client);
    stream.send({ node, typeUrl: typeUrls.cluster });
    const clusters = await stream.next();
    assert.deepEqual(deltaNames(clusters), ['c1']);
    stream.send({ typeUrl: typeUrls.cluster, responseNonce: clusters.nonce });
    stream.send({ typeUrl: typeUrls.route, resourceNamesSubscribe: ['r'] });
    const routes = await stream.next();
    assert.deepEqual(deltaNames(routes), ['r']);
    stream.send({ typeUrl: typeUrls.route, responseNonce: routes.nonce });

    cache.publish(resourcesOf({ clusters: [staticCluster('c2')], routes: [routeConfig('r', ['c2'])] }));
    const added = await stream.next();
    assert.equal(added.typeUrl, typeUrls.cluster);
    assert.deepEqual(deltaNames(added), ['c2']);
    assert.deepEqual(added.removedResources, [], 'c1 stays while the route uses it');
    stream.send({ typeUrl: typeUrls.cluster, responseNonce: added.nonce });
    const rerouted = await stream.next();
    assert.equal(rerouted.typeUrl, typeUrls.route, 'the route follows the accepted cluster');
    assert.deepEqual(deltaNames(rerouted), ['r']);
    stream.send({ typeUrl: typeUrls.route, responseNonce: rerouted.nonce });
    const removed = await stream.next();
    assert.equal(removed.typeUrl, typeUrls.cluster);
    assert.deepEqual(deltaNames(removed), []);
    assert.deepEqual(removed.removedResources, ['c1'], 'c1 goes once the route no longer uses it');
    stream.close();
  });
});
