// A client that does not answer gets no backlog: after its ACK it receives the newest version only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { typeUrls } from '../../src/envoy/resources.js';
import { createSnapshotCache } from '../../src/xds/cache/snapshot-cache.js';
import { startXdsServer } from '../../src/xds/server/xds-server.js';
import { silentLogger } from '../../src/util/logger.js';
import { connect, deltaNames, openDelta, openSotw, sotwNames } from './client.js';
import { endpoints, resourcesOf, staticCluster } from './fixtures.js';

test('unanswered responses coalesce: only the newest version follows the ACK', async () => {
  const cache = createSnapshotCache();
  cache.publish(resourcesOf({ clusters: [staticCluster('v0')], endpoints: [endpoints('e', 1)] }));
  const server = await startXdsServer({ cache, address: '127.0.0.1', port: 0, logger: silentLogger() });
  const client = connect(server.port);
  try {
    const sotw = openSotw(client);
    const delta = openDelta(client);
    sotw.send({ node: { id: 'slow-sotw' }, typeUrl: typeUrls.cluster });
    delta.send({ node: { id: 'slow-delta' }, typeUrl: typeUrls.cluster });
    const sotwFirst = await sotw.next();
    const deltaFirst = await delta.next();
    for (let version = 1; version <= 100; version += 1) {
      cache.publish(
        resourcesOf({ clusters: [staticCluster(`v${version}`)], endpoints: [endpoints('e', 1)] }),
      );
    }
    // Nothing more can be pending while the first responses are unanswered; prove it with a barrier on
    // another type: its response is the next message on each stream.
    sotw.send({ typeUrl: typeUrls.endpoint, resourceNames: ['e'] });
    delta.send({ typeUrl: typeUrls.endpoint, resourceNamesSubscribe: ['e'] });
    assert.equal((await sotw.next()).typeUrl, typeUrls.endpoint);
    assert.equal((await delta.next()).typeUrl, typeUrls.endpoint);
    sotw.send({
      typeUrl: typeUrls.cluster,
      responseNonce: sotwFirst.nonce,
      versionInfo: sotwFirst.versionInfo,
    });
    delta.send({ typeUrl: typeUrls.cluster, responseNonce: deltaFirst.nonce });
    const sotwNext = await sotw.next();
    const deltaNext = await delta.next();
    assert.deepEqual(sotwNames(sotwNext), ['v100']);
    assert.deepEqual(deltaNames(deltaNext), ['v100']);
    assert.deepEqual(deltaNext.removedResources, ['v0']);
    sotw.close();
    delta.close();
  } finally {
    client.close();
    await server.close();
  }
});
