// A watch that stops delivering without closing (a hung API server, or a proxy on the way that
// stops forwarding) must be noticed and relisted: the source reports itself stale, and once the
// path works again it delivers what changed meanwhile. The hang is a TCP proxy in this test that
// freezes: every connection open at that moment, and every one opened while frozen, is kept open
// and silently drops its bytes, forever; connections opened after the thaw work.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createKubeClient, loadKubeConfig } from '../../src/sources/kubernetes/client.js';
import { resourceTypes } from '../../src/sources/kubernetes/resources.js';
import { createKubernetesSource, type KubernetesSource } from '../../src/sources/kubernetes/source.js';
import { createStore } from '../../src/store/store.js';
import { silentLogger } from '../../src/util/logger.js';
import {
  applyObject,
  createNamespace,
  deleteObject,
  eventually,
  startTestCluster,
  type TestCluster,
  uniqueName,
} from '../../scripts/envtest/harness.js';

interface FreezingProxy {
  port: number;
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

const startFreezingProxy = async (targetPort: number): Promise<FreezingProxy> => {
  let frozen = false;
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket; blackholed: boolean }>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    const pair = { client, upstream, blackholed: frozen };
    pairs.add(pair);
    client.on('data', (chunk) => {
      if (!pair.blackholed) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!pair.blackholed) client.write(chunk);
    });
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('close', end);
      socket.on('error', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    freeze() {
      frozen = true;
      for (const pair of pairs) pair.blackholed = true;
    },
    thaw() {
      frozen = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const pair of pairs) pair.client.destroy();
        server.close(() => resolve());
      }),
  };
};

describe('kubernetes source: a watch that hangs', () => {
  let cluster: TestCluster;
  let proxy: FreezingProxy | undefined;
  let source: KubernetesSource | undefined;

  before(async () => {
    cluster = await startTestCluster();
  });
  after(async () => {
    await source?.stop();
    await proxy?.close();
    await cluster?.stop();
  });

  it('is detected (stale), relisted, and delivers the changes made while it hung', async () => {
    const namespace = uniqueName('hang');
    await createNamespace(cluster.client, namespace);
    const server = new URL(cluster.client.server);
    proxy = await startFreezingProxy(Number(server.port));
    // The same credentials, through the proxy (the serving certificate covers 127.0.0.1).
    const kubeconfig = `${cluster.kubeconfig}-hang-proxy`;
    writeFileSync(
      kubeconfig,
      readFileSync(cluster.kubeconfig, 'utf8').replace(
        `server: ${cluster.client.server}`,
        `server: https://127.0.0.1:${proxy.port}`,
      ),
      { mode: 0o600 },
    );
    const config = loadKubeConfig({ kubeconfig });
    assert.notEqual(
      createKubeClient(config).server,
      cluster.client.server,
      'the source goes through the proxy',
    );

    const store = createStore();
    const staleHistory: boolean[] = [];
    let synced = false;
    source = createKubernetesSource(
      {
        client: createKubeClient(config),
        watchNamespaces: [namespace],
        resources: resourceTypes.filter((resource) => resource.kind === 'Service'),
        timing: { initialBackoffMs: 100, maxBackoffMs: 1000, watchSilenceMs: 1500, probeTimeoutMs: 1000 },
      },
      silentLogger(),
    );
    await source.start({
      apply: (events) => events.forEach((event) => store.apply(event)),
      synced: () => (synced = true),
      stale: (stale) => staleHistory.push(stale),
    });
    await eventually('synced', () => synced);
    const service = (name: string) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace },
      spec: { ports: [{ port: 80 }] },
    });
    await applyObject(cluster.client, service('before'));
    await eventually('watch delivers', () => store.get('Service', namespace, 'before'));

    proxy.freeze();
    await applyObject(cluster.client, service('during'));
    await deleteObject(cluster.client, 'v1', 'Service', namespace, 'before');
    await eventually('the hang is detected: the source reports stale', () => staleHistory.includes(true));
    assert.ok(store.get('Service', namespace, 'before'), 'nothing got through the frozen proxy');
    assert.equal(store.get('Service', namespace, 'during'), undefined);

    proxy.thaw();
    await eventually(
      'relisted: the changes made during the hang arrive',
      () => store.get('Service', namespace, 'during') && !store.get('Service', namespace, 'before'),
      120_000,
    );
    await eventually('stale again false', () => staleHistory.at(-1) === false);
  });
});
