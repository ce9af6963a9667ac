// The Kubernetes source against a real kube-apiserver: initial sync, watch events, Secret
// filtering, EndpointSlice v1beta1 conversion, missing CRDs, namespaces, and API server restarts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EndpointSlice, Secret } from '../../src/apis/kubernetes.js';
import type { KubeObject } from '../../src/apis/meta.js';
import {
  defaultReflectorTiming,
  runReflector,
  type Unavailability,
} from '../../src/sources/kubernetes/reflector.js';
import { createKubernetesSource, type KubernetesSource } from '../../src/sources/kubernetes/source.js';
import type { SourceSink } from '../../src/sources/source.js';
import { createStore, type Store } from '../../src/store/store.js';
import { silentLogger } from '../../src/util/logger.js';
import {
  applyObject,
  createNamespace,
  deleteObject,
  eventually,
  installCrds,
  projectCrdsFile,
  startTestCluster,
  type TestCluster,
  uniqueName,
} from '../../scripts/envtest/harness.js';

interface RecordingSink extends SourceSink {
  store: Store;
  syncedCount: number;
  staleHistory: boolean[];
  /** Store contents at the moment synced() was called. */
  countsAtSync?: Record<string, number>;
}

const recordingSink = (): RecordingSink => {
  const sink: RecordingSink = {
    store: createStore(),
    syncedCount: 0,
    staleHistory: [],
    apply(events) {
      for (const event of events) sink.store.apply(event);
    },
    synced() {
      sink.syncedCount += 1;
      sink.countsAtSync = sink.store.counts();
    },
    stale(isStale) {
      sink.staleHistory.push(isStale);
    },
  };
  return sink;
};

const fastTiming = { initialBackoffMs: 100, maxBackoffMs: 1000 };

const secret = (namespace: string, name: string, type: string, data: Record<string, string>): Secret => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace },
  type,
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
});

describe('kubernetes source', () => {
  let cluster: TestCluster;
  const sources: KubernetesSource[] = [];

  const startSource = async (watchNamespaces: string[], extra: { missingRecheckMs?: number } = {}) => {
    const source = createKubernetesSource(
      { client: cluster.client, watchNamespaces, timing: fastTiming, ...extra },
      silentLogger(),
    );
    sources.push(source);
    const sink = recordingSink();
    await source.start(sink);
    return { source, sink };
  };

  before(async () => {
    cluster = await startTestCluster();
  });

  after(async () => {
    for (const source of sources) await source.stop();
    await cluster?.stop();
  });

  it('syncs an empty namespace, reports missing CRDs, and picks them up once installed', async () => {
    const namespace = uniqueName('empty');
    const { source, sink } = await startSource([namespace], { missingRecheckMs: 200 });
    await eventually('synced', () => sink.syncedCount === 1);
    assert.deepEqual(sink.countsAtSync, {});
    const details = source.describe();
    assert.deepEqual(details.missing, ['ExtensionService', 'HTTPProxy', 'TLSCertificateDelegation']);
    assert.equal(details.kinds.Service.state, 'synced');
    // EndpointSlice is v1beta1 on this 1.20 server and read as such.
    assert.equal(details.kinds.EndpointSlice.apiVersion, 'discovery.k8s.io/v1beta1');

    await installCrds(cluster.client, projectCrdsFile, [
      'HTTPProxy',
      'TLSCertificateDelegation',
      'ExtensionService',
    ]);
    await createNamespace(cluster.client, namespace);
    await applyObject(cluster.client, {
      apiVersion: 'projectcontour.io/v1',
      kind: 'HTTPProxy',
      metadata: { name: 'late', namespace },
      spec: { virtualhost: { fqdn: 'late.example.com' }, routes: [{ services: [{ name: 's', port: 80 }] }] },
    });
    await eventually('HTTPProxy delivered after its CRD appeared', () =>
      sink.store.get('HTTPProxy', namespace, 'late'),
    );
    assert.deepEqual(source.describe().missing, []);
    assert.equal(sink.syncedCount, 1, 'synced() is called exactly once');
  });

  it('delivers the initial list before synced, then watch events; filters Secrets on the server', async () => {
    const namespace = uniqueName('objects');
    const other = uniqueName('other');
    await createNamespace(cluster.client, namespace);
    await createNamespace(cluster.client, other);
    await applyObject(
      cluster.client,
      secret(namespace, 'tls', 'kubernetes.io/tls', { 'tls.crt': 'c', 'tls.key': 'k' }),
    );
    await applyObject(cluster.client, secret(namespace, 'helm', 'helm.sh/release.v1', { release: 'r' }));
    await applyObject(
      cluster.client,
      secret(namespace, 'opaque', 'Opaque', { password: 'p', 'ca.crt': 'ca' }),
    );
    await applyObject(cluster.client, secret(other, 'elsewhere', 'Opaque', { 'ca.crt': 'ca' }));
    await applyObject(cluster.client, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace },
      spec: { ports: [{ name: 'http', port: 80 }] },
    });
    await applyObject(cluster.client, {
      apiVersion: 'discovery.k8s.io/v1beta1',
      kind: 'EndpointSlice',
      metadata: { name: 'web-abc', namespace, labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      endpoints: [
        {
          addresses: ['10.0.0.1'],
          conditions: { ready: true },
          topology: { 'kubernetes.io/hostname': 'node-1', 'topology.kubernetes.io/zone': 'z1' },
        },
      ],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    });

    const { sink } = await startSource([namespace]);
    await eventually('synced', () => sink.syncedCount === 1);
    // Everything listed was delivered before synced(): counts at that moment include it.
    assert.equal(sink.countsAtSync?.Secret, 2, 'the Helm release Secret is filtered server-side');
    assert.equal(sink.countsAtSync?.Service, 1);
    assert.equal(sink.countsAtSync?.EndpointSlice, 1);
    assert.equal(sink.store.get('Secret', other, 'elsewhere'), undefined, 'other namespaces are not watched');
    assert.equal(sink.store.get('Secret', namespace, 'helm'), undefined);
    const opaque = sink.store.get<Secret>('Secret', namespace, 'opaque');
    assert.deepEqual(Object.keys(opaque?.data ?? {}), ['ca.crt'], 'only TLS/CA keys are kept');

    const slice = sink.store.get<EndpointSlice>('EndpointSlice', namespace, 'web-abc');
    assert.equal(slice?.apiVersion, 'discovery.k8s.io/v1');
    assert.equal(slice?.endpoints?.[0].nodeName, 'node-1');
    assert.equal(slice?.endpoints?.[0].zone, 'z1');
    assert.equal((slice?.endpoints?.[0] as Record<string, unknown>).topology, undefined);

    await applyObject(cluster.client, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace },
      spec: { ports: [{ name: 'http', port: 81 }] },
    });
    await eventually('update delivered', () => {
      const service = sink.store.get<KubeObject & { spec: { ports: { port: number }[] } }>(
        'Service',
        namespace,
        'web',
      );
      return service?.spec.ports[0].port === 81;
    });
    await deleteObject(cluster.client, 'v1', 'Secret', namespace, 'tls');
    await eventually('delete delivered', () => sink.store.get('Secret', namespace, 'tls') === undefined);
    await applyObject(cluster.client, secret(namespace, 'helm2', 'helm.sh/release.v1', { release: 'r' }));
    await applyObject(cluster.client, secret(namespace, 'marker', 'Opaque', {}));
    await eventually('marker delivered', () => sink.store.get('Secret', namespace, 'marker'));
    assert.equal(sink.store.get('Secret', namespace, 'helm2'), undefined, 'watch is filtered too');
    assert.deepEqual(sink.staleHistory, []);
  });

  it('a kind whose list the API server does not serve (404) is synced-empty and reported, not retried as an outage', async () => {
    const unavailable: (Unavailability | undefined)[] = [];
    const health: boolean[] = [];
    let synced = 0;
    const controller = new AbortController();
    const running = runReflector(
      cluster.client,
      {
        kind: 'Widget',
        group: 'example.com',
        version: 'v1',
        plural: 'widgets',
        namespaced: true,
        namespace: '',
      },
      {
        onEvents: () => undefined,
        onSynced: () => (synced += 1),
        onHealth: (healthy) => health.push(healthy),
        onUnavailable: (problem) => unavailable.push(problem),
      },
      silentLogger(),
      controller.signal,
      { ...defaultReflectorTiming, ...fastTiming, unavailableRecheckMs: 200 },
    );
    try {
      await eventually('synced', () => synced === 1);
      assert.equal(unavailable.length, 1, 'reported once, not at every re-check');
      assert.equal(unavailable[0]?.reason, 'not_found');
      assert.equal(unavailable[0]?.verb, 'list');
      assert.equal(unavailable[0]?.permission, 'list widgets.example.com (cluster-wide)');
      await new Promise((resolve) => setTimeout(resolve, 700));
      assert.equal(unavailable.length, 1);
      assert.ok(!health.includes(false), 'an answer from the server is not an outage');
    } finally {
      controller.abort();
      await running;
    }
  });

  it('watches a namespace that does not exist yet', async () => {
    const namespace = uniqueName('later');
    const { sink } = await startSource([namespace]);
    await eventually('synced', () => sink.syncedCount === 1);
    await createNamespace(cluster.client, namespace);
    await applyObject(cluster.client, secret(namespace, 'now', 'Opaque', {}));
    await eventually('object in the new namespace delivered', () =>
      sink.store.get('Secret', namespace, 'now'),
    );
  });

  it('goes stale when the API server stops, recovers, and converges on changes made around the outage', async (t) => {
    if (!cluster.controlled) return t.skip('needs an API server the harness controls');
    const namespace = uniqueName('restart');
    await createNamespace(cluster.client, namespace);
    await applyObject(cluster.client, secret(namespace, 'kept', 'Opaque', {}));
    await applyObject(cluster.client, secret(namespace, 'doomed', 'Opaque', {}));
    const { source, sink } = await startSource([namespace]);
    await eventually('synced', () => sink.syncedCount === 1);
    assert.ok(sink.store.get('Secret', namespace, 'doomed'));

    await cluster.stopApiServer();
    await eventually('stale reported', () => sink.staleHistory.at(-1) === true);
    assert.ok(source.describe().failingWatches > 0);
    await cluster.startApiServer();
    // Changed right after the restart, while the source is still reconnecting.
    await deleteObject(cluster.client, 'v1', 'Secret', namespace, 'doomed');
    await applyObject(cluster.client, secret(namespace, 'added', 'Opaque', {}));
    await eventually('stale cleared', () => sink.staleHistory.at(-1) === false, 60_000);
    await eventually(
      'converged',
      () =>
        sink.store.get('Secret', namespace, 'added') !== undefined &&
        sink.store.get('Secret', namespace, 'doomed') === undefined,
    );
    assert.ok(sink.store.get('Secret', namespace, 'kept'));
    assert.equal(sink.syncedCount, 1);
  });

  it('is not synced while the API server is down, and syncs once it is up', async (t) => {
    if (!cluster.controlled) return t.skip('needs an API server the harness controls');
    await cluster.stopApiServer();
    const { sink } = await startSource([]);
    // Let it fail a few rounds of discovery before the server comes back.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(sink.syncedCount, 0);
    await cluster.startApiServer();
    await eventually('synced after the API server came up', () => sink.syncedCount === 1, 60_000);
    assert.deepEqual(sink.staleHistory, [], 'never stale: it was not synced yet when the server was down');
  });
});
