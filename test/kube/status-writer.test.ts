// The status writer against a real kube-apiserver with the CRDs installed: followers never
// write, the leader writes only differences, conflicts are retried, Ingress load balancers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Ingress } from '../../src/apis/kubernetes.js';
import type { KubeObject } from '../../src/apis/meta.js';
import { metricsRegistry } from '../../src/util/metrics.js';
import { createKubernetesSource, type KubernetesSource } from '../../src/sources/kubernetes/source.js';
import { createStore } from '../../src/store/store.js';
import type { StoredCondition } from '../../src/status/desired.js';
import type { ObjectStatus } from '../../src/apis/status.js';
import { createStatusWriter, type StatusWriter } from '../../src/status/writer.js';
import { silentLogger } from '../../src/util/logger.js';
import {
  applyObject,
  createNamespace,
  eventually,
  getObject,
  installCrds,
  projectCrdsFile,
  startTestCluster,
  type TestCluster,
  uniqueName,
} from '../../scripts/envtest/harness.js';

interface ProxyStatus {
  currentStatus?: string;
  description?: string;
  conditions?: StoredCondition[];
  loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] };
}
type Proxy = KubeObject & { status?: ProxyStatus };

const writeCount = async (kind: string, result: string): Promise<number> => {
  const metric = await metricsRegistry.getSingleMetric('contour_status_writes_total')?.get();
  return metric?.values.find((v) => v.labels.kind === kind && v.labels.result === result)?.value ?? 0;
};

/** One of Contour's contour_status_update_* counters for a kind. */
const contourCount = async (name: string, kind: string): Promise<number> => {
  const metric = await metricsRegistry.getSingleMetric(name)?.get();
  return metric?.values.find((v) => v.labels.kind === kind)?.value ?? 0;
};

const proxyStatus = (namespace: string, name: string, valid: boolean, message = 'x'): ObjectStatus => ({
  kind: 'HTTPProxy',
  namespace,
  name,
  currentStatus: valid ? 'valid' : 'invalid',
  description: valid ? 'Valid HTTPProxy' : `At least one error present, see Errors for details`,
  conditions: [
    {
      type: 'Valid',
      status: valid ? 'True' : 'False',
      observedGeneration: 1,
      reason: valid ? 'Valid' : 'ErrorPresent',
      message: valid ? 'Valid HTTPProxy' : 'At least one error present, see Errors for details',
      errors: valid
        ? undefined
        : [{ type: 'ServiceError', status: 'True', reason: 'ServiceUnresolvedReference', message }],
    },
  ],
});

const proxy = (namespace: string, name: string): Proxy => ({
  apiVersion: 'projectcontour.io/v1',
  kind: 'HTTPProxy',
  metadata: { name, namespace },
  spec: {
    virtualhost: { fqdn: `${name}.example.com` },
    routes: [{ services: [{ name: 'missing', port: 80 }] }],
  },
});

describe('status writer', () => {
  let cluster: TestCluster;
  let source: KubernetesSource;
  const store = createStore();
  const writers: StatusWriter[] = [];
  const namespace = uniqueName('status');

  const newWriter = (
    currentObject: (kind: string, ns: string, name: string) => KubeObject | undefined = (kind, ns, name) =>
      store.get(kind, ns, name),
  ) => {
    const writer = createStatusWriter({ client: cluster.client, logger: silentLogger(), currentObject });
    writers.push(writer);
    return writer;
  };
  const readProxy = (name: string) =>
    getObject<Proxy>(cluster.client, 'projectcontour.io/v1', 'HTTPProxy', namespace, name);

  before(async () => {
    cluster = await startTestCluster();
    await installCrds(cluster.client, projectCrdsFile, [
      'HTTPProxy',
      'TLSCertificateDelegation',
      'ExtensionService',
    ]);
    await createNamespace(cluster.client, namespace);
    source = createKubernetesSource({ client: cluster.client, watchNamespaces: [namespace] }, silentLogger());
    let synced = false;
    await source.start({
      apply: (events) => events.forEach((event) => store.apply(event)),
      synced: () => (synced = true),
      stale: () => undefined,
    });
    await eventually('source synced', () => synced);
  });

  after(async () => {
    for (const writer of writers) await writer.stop();
    await source?.stop();
    await cluster?.stop();
  });

  it('a follower never writes; the new leader writes every object once, then only changes', async () => {
    await applyObject(cluster.client, proxy(namespace, 'one'));
    await applyObject(cluster.client, proxy(namespace, 'two'));
    await eventually('informer saw both', () => store.get('HTTPProxy', namespace, 'two'));
    const writer = newWriter();
    const statuses = [proxyStatus(namespace, 'one', false), proxyStatus(namespace, 'two', true)];
    writer.update(statuses);
    await writer.idle();
    assert.equal((await readProxy('one'))?.status?.conditions, undefined, 'a follower wrote status');

    const writtenBefore = await writeCount('HTTPProxy', 'written');
    const successBefore = await contourCount('contour_status_update_success_total', 'HTTPProxy');
    const totalBefore = await contourCount('contour_status_update_total', 'HTTPProxy');
    const contourNoopsBefore = await contourCount('contour_status_update_noop_total', 'HTTPProxy');
    writer.setLeader(true);
    await writer.idle();
    assert.equal((await writeCount('HTTPProxy', 'written')) - writtenBefore, 2);
    assert.equal((await contourCount('contour_status_update_success_total', 'HTTPProxy')) - successBefore, 2);
    assert.equal((await contourCount('contour_status_update_total', 'HTTPProxy')) - totalBefore, 2);
    const one = await readProxy('one');
    assert.equal(one?.status?.currentStatus, 'invalid');
    assert.equal(one?.status?.conditions?.[0].reason, 'ErrorPresent');
    assert.equal(one?.status?.conditions?.[0].errors?.[0].reason, 'ServiceUnresolvedReference');
    assert.ok(one?.status?.conditions?.[0].lastTransitionTime);
    assert.equal((await readProxy('two'))?.status?.currentStatus, 'valid');

    // The same statuses again (a rebuild with nothing new): no request.
    const noopsBefore = await writeCount('HTTPProxy', 'noop');
    writer.update(statuses.map((s) => ({ ...s })));
    await writer.idle();
    assert.equal(await writeCount('HTTPProxy', 'written'), writtenBefore + 2);

    // Losing and regaining leadership reconciles everything, but equal statuses cost nothing.
    writer.setLeader(false);
    writer.setLeader(true);
    await writer.idle();
    assert.equal(await writeCount('HTTPProxy', 'written'), writtenBefore + 2);
    assert.equal((await writeCount('HTTPProxy', 'noop')) - noopsBefore, 2);
    // Contour's counters: the no-ops are successful updates too.
    assert.equal(
      (await contourCount('contour_status_update_noop_total', 'HTTPProxy')) - contourNoopsBefore,
      2,
    );
    assert.equal((await contourCount('contour_status_update_success_total', 'HTTPProxy')) - successBefore, 4);

    // Fixing the object flips it to valid; a message-only change keeps lastTransitionTime.
    const firstTransition = one?.status?.conditions?.[0].lastTransitionTime;
    writer.update([proxyStatus(namespace, 'one', false, 'changed'), statuses[1]]);
    await writer.idle();
    const changed = await readProxy('one');
    assert.equal(changed?.status?.conditions?.[0].errors?.[0].message, 'changed');
    assert.equal(changed?.status?.conditions?.[0].lastTransitionTime, firstTransition);
    writer.update([proxyStatus(namespace, 'one', true), statuses[1]]);
    await writer.idle();
    const fixed = await readProxy('one');
    assert.equal(fixed?.status?.currentStatus, 'valid');
    assert.equal(fixed?.status?.conditions?.[0].status, 'True');
    assert.equal(fixed?.status?.conditions?.[0].errors, undefined);
  });

  it('retries a conflict against a fresh read', async () => {
    const created = await applyObject(cluster.client, proxy(namespace, 'conflicted'));
    // Someone else changes the object after we "saw" it: our write is based on a stale version.
    await applyObject(cluster.client, {
      ...proxy(namespace, 'conflicted'),
      metadata: { name: 'conflicted', namespace, labels: { touched: 'yes' } },
    });
    const writer = newWriter((kind, ns, name) =>
      name === 'conflicted' ? created : store.get(kind, ns, name),
    );
    writer.setLeader(true);
    const conflictsBefore = await writeCount('HTTPProxy', 'conflict');
    const contourConflictsBefore = await contourCount('contour_status_update_conflict_total', 'HTTPProxy');
    const failedBefore = await contourCount('contour_status_update_failed_total', 'HTTPProxy');
    writer.update([proxyStatus(namespace, 'conflicted', true)]);
    await writer.idle();
    assert.equal((await writeCount('HTTPProxy', 'conflict')) - conflictsBefore, 1);
    assert.equal(
      (await contourCount('contour_status_update_conflict_total', 'HTTPProxy')) - contourConflictsBefore,
      1,
    );
    assert.equal(await contourCount('contour_status_update_failed_total', 'HTTPProxy'), failedBefore);
    const stored = await readProxy('conflicted');
    assert.equal(stored?.status?.currentStatus, 'valid');
    assert.equal(stored?.metadata.labels?.touched, 'yes', 'the other change is kept');
  });

  it('writes the load balancer address to Ingresses and HTTPProxies', async () => {
    const ingress = await applyObject<Ingress>(cluster.client, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace },
      spec: { defaultBackend: { service: { name: 'web', port: { number: 80 } } } },
    });
    await applyObject(cluster.client, proxy(namespace, 'lb'));
    await eventually(
      'informer saw them',
      () => store.get('Ingress', namespace, 'web') && store.get('HTTPProxy', namespace, 'lb'),
    );
    const writer = newWriter();
    writer.setLeader(true);
    writer.update(
      [proxyStatus(namespace, 'lb', true)],
      [{ kind: 'Ingress', namespace, name: ingress.metadata.name }],
    );
    writer.setLoadBalancer({ ingress: [{ ip: '192.0.2.10' }, { hostname: 'lb.example.com' }] });
    await writer.idle();
    const stored = await getObject<Ingress>(
      cluster.client,
      'networking.k8s.io/v1',
      'Ingress',
      namespace,
      'web',
    );
    assert.deepEqual(stored?.status?.loadBalancer?.ingress, [
      { ip: '192.0.2.10' },
      { hostname: 'lb.example.com' },
    ]);
    assert.deepEqual((await readProxy('lb'))?.status?.loadBalancer?.ingress, [
      { ip: '192.0.2.10' },
      { hostname: 'lb.example.com' },
    ]);

    writer.setLoadBalancer({ ingress: [] });
    await writer.idle();
    const cleared = await getObject<Ingress>(
      cluster.client,
      'networking.k8s.io/v1',
      'Ingress',
      namespace,
      'web',
    );
    assert.equal(cleared?.status?.loadBalancer?.ingress, undefined);
  });
});
