// mTLS between xDS clients and the real xDS server: no certificate or a foreign one is refused, a good one is
// served, and rotating the files on disk takes effect for new connections while open streams carry on.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSnapshotCache, type SnapshotCache } from '../../src/xds/cache/snapshot-cache.js';
import { startXdsServer, type XdsServer } from '../../src/xds/server/xds-server.js';
import { createXdsServerCredentials } from '../../src/certs/server-credentials.js';
import type { GeneratedCertificates } from '../../src/certs/generate.js';
import type { TlsFilePaths } from '../../src/certs/tls-files.js';
import { xdsChannelCredentials } from '../../src/xds/client/credentials.js';
import { watchDiscovery, type DiscoveryEvent } from '../../src/xds/client/discovery-stream.js';
import { silentLogger } from '../../src/util/logger.js';
import { resourcesOf, staticCluster } from '../xds/fixtures.js';
import { issue, probe, probeChannel, writeClientFiles, writeServerFiles } from './helpers.js';
import * as grpc from '@grpc/grpc-js';

type ReloadOutcome = { ok: boolean; changed: boolean; error?: string };

describe('xDS server mTLS', () => {
  let dir: string;
  let setA: GeneratedCertificates;
  let setB: GeneratedCertificates;
  let serverFiles: TlsFilePaths;
  let clientA: TlsFilePaths;
  let clientB: TlsFilePaths;
  let cache: SnapshotCache;
  let server: XdsServer;
  const reloads: ReloadOutcome[] = [];
  let reloadWaiters: Array<(outcome: ReloadOutcome) => void> = [];
  const nextReload = () => new Promise<ReloadOutcome>((resolve) => reloadWaiters.push(resolve));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'contour-mtls-'));
    for (const sub of ['server', 'client-a', 'client-b', 'foreign']) mkdirSync(join(dir, sub));
    setA = issue();
    setB = issue();
    serverFiles = writeServerFiles(join(dir, 'server'), setA);
    clientA = writeClientFiles(join(dir, 'client-a'), setA);
    clientB = writeClientFiles(join(dir, 'client-b'), setB);
    const created = createXdsServerCredentials(serverFiles, {
      debounceMs: 20,
      onReload: (outcome) => {
        reloads.push(outcome);
        const waiters = reloadWaiters;
        reloadWaiters = [];
        for (const waiter of waiters) waiter(outcome);
      },
    });
    assert.ok(created.ok, created.ok ? '' : created.error);
    cache = createSnapshotCache();
    cache.publish(resourcesOf({ clusters: [staticCluster('default/a/80/da39a3ee5e')] }));
    server = await startXdsServer({
      cache,
      address: '127.0.0.1',
      port: 0,
      logger: silentLogger(),
      credentials: created.credentials,
      shutdownGraceMs: 100,
    });
  });

  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a plaintext client', async () => {
    const result = await probe(server.port, undefined);
    assert.equal(result.served, false);
  });

  it('refuses a TLS client without a certificate', async () => {
    // Trusts the server's CA but presents no certificate: the handshake must fail.
    const caOnly = {
      credentials: grpc.credentials.createSsl(Buffer.from(setA.caCertificate)),
      options: { 'grpc.ssl_target_name_override': 'contour' },
    };
    const result = await probeChannel(server.port, caOnly);
    assert.equal(result.served, false);
    assert.equal(result.served ? 0 : result.status.code, grpc.status.UNAVAILABLE);
  });

  it('refuses a client certificate signed by another CA', async () => {
    const foreign = writeClientFiles(join(dir, 'foreign'), { ...setB, caCertificate: setA.caCertificate });
    const result = await probe(server.port, foreign);
    assert.equal(result.served, false);
  });

  it('serves a client with a certificate from its CA', async () => {
    const result = await probe(server.port, clientA);
    assert.ok(result.served, 'served');
    assert.deepEqual(result.event.resourceNames, ['default/a/80/da39a3ee5e']);
  });

  it('picks up rotated files for new connections while an open stream keeps working', async () => {
    const channel = xdsChannelCredentials(clientA);
    assert.ok(channel.ok);
    const events: DiscoveryEvent[] = [];
    let wake: () => void = () => undefined;
    const watch = watchDiscovery(
      {
        target: `127.0.0.1:${server.port}`,
        channel: channel.channel,
        type: 'cluster',
        resourceNames: [],
        nodeId: 'long-lived',
        ads: true,
        delta: false,
        nack: false,
      },
      (event) => {
        events.push(event);
        wake();
      },
    );
    const eventCount = (count: number) =>
      new Promise<void>((resolve) => {
        wake = () => events.length >= count && resolve();
        wake();
      });
    await eventCount(1);

    const reloaded = nextReload();
    writeServerFiles(join(dir, 'server'), setB);
    const outcome = await reloaded;
    assert.deepEqual(outcome, { ok: true, changed: true });

    const afterB = await probe(server.port, clientB);
    assert.ok(afterB.served, 'a client of the new CA is served');
    const afterA = await probe(server.port, clientA);
    assert.equal(afterA.served, false, 'a client of the old CA is refused');

    // The stream opened before the rotation still receives updates.
    cache.publish(resourcesOf({ clusters: [staticCluster('default/b/80/da39a3ee5e')] }));
    await eventCount(2);
    assert.deepEqual(events[1].resourceNames, ['default/b/80/da39a3ee5e']);
    watch.close();
    await watch.ended;
  });

  it('keeps the last good certificates when the rotated files do not fit together', async () => {
    const failed = nextReload();
    // Set B's certificate with set A's key: unusable.
    writeServerFiles(join(dir, 'server'), setB, setA.contourPrivateKey);
    const outcome = await failed;
    assert.equal(outcome.ok, false);
    assert.match(outcome.error ?? '', /does not belong to certificate/);
    const result = await probe(server.port, clientB);
    assert.ok(result.served, 'still served with the previous (set B) certificates');
    assert.ok(reloads.length >= 2);
  });
});
