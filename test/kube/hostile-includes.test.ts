// Issue 13, item 5 on a real API server: 22 HTTPProxies forming an include diamond (each including the
// next twice, 2^21 routes unbounded), applied at once in one namespace, killed both replicas within
// seconds (stack overflow), and a restarted replica died again. Now both replicas stay up and ready,
// the leader writes IncludeLimitExceeded on the root, other hosts keep being served, and a replica
// started afterwards becomes ready too.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  applyObject,
  createNamespace,
  eventually,
  getObject,
  installCrds,
  killAllChildren,
  projectCrdsFile,
  type ProxyView,
  type Replica,
  startReplica,
  startTestCluster,
  type TestCluster,
  uniqueName,
  validCondition,
  waitReady,
} from '../../scripts/envtest/harness.js';
import type { KubeObject } from '../../src/apis/meta.js';

const diamond = (namespace: string, count: number): KubeObject[] => [
  {
    apiVersion: 'projectcontour.io/v1',
    kind: 'HTTPProxy',
    metadata: { namespace, name: 'root' },
    spec: { virtualhost: { fqdn: 'diamond.example.com' }, includes: [{ name: 'd1' }] },
  },
  ...Array.from({ length: count - 1 }, (_, index) => ({
    apiVersion: 'projectcontour.io/v1',
    kind: 'HTTPProxy',
    metadata: { namespace, name: `d${index + 1}` },
    spec:
      index + 2 < count
        ? {
            includes: [
              { name: `d${index + 2}`, conditions: [{ prefix: '/a' }] },
              { name: `d${index + 2}`, conditions: [{ prefix: '/b' }] },
            ],
          }
        : { routes: [{ services: [{ name: 'web', port: 80 }] }] },
  })),
];

describe('hostile include diamond on a real API server', () => {
  let cluster: TestCluster;
  const replicas: Replica[] = [];
  const leaseNamespace = uniqueName('hostile');
  const start = async (identity: string): Promise<Replica> => {
    const replica = await startReplica({
      identity,
      kubeconfig: cluster.kubeconfig,
      leaseNamespace,
      args: ['--watch-namespaces', leaseNamespace],
    });
    replicas.push(replica);
    return replica;
  };

  before(async () => {
    cluster = await startTestCluster();
    await installCrds(cluster.client, projectCrdsFile);
    await createNamespace(cluster.client, leaseNamespace);
  });
  after(async () => {
    await killAllChildren();
    await cluster?.stop();
  });

  it('22 proxies applied at once: replicas stay up and ready, the root gets IncludeLimitExceeded', async () => {
    const namespace = leaseNamespace;
    await applyObject(cluster.client, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { namespace, name: 'web' },
      spec: { ports: [{ name: 'http', port: 80 }] },
    });
    await applyObject(cluster.client, {
      apiVersion: 'projectcontour.io/v1',
      kind: 'HTTPProxy',
      metadata: { namespace, name: 'bystander' },
      spec: {
        virtualhost: { fqdn: 'bystander.example.com' },
        routes: [{ services: [{ name: 'web', port: 80 }] }],
      },
    });
    const [first, second] = await Promise.all([start('hostile-a'), start('hostile-b')]);
    await Promise.all([waitReady(first), waitReady(second)]);

    const objects = diamond(namespace, 22);
    assert.equal(objects.length, 22);
    await Promise.all(objects.map((object) => applyObject(cluster.client, object)));

    const root = await eventually('the leader wrote the root status', async () => {
      const proxy = await getObject<ProxyView>(
        cluster.client,
        'projectcontour.io/v1',
        'HTTPProxy',
        namespace,
        'root',
      );
      const valid = validCondition(proxy);
      // Objects arrive in any order: an early build may see an include not yet created.
      const limited = valid?.errors?.some((error) => error.reason === 'IncludeLimitExceeded');
      return valid?.status === 'False' && limited ? { proxy, valid } : undefined;
    });
    assert.equal(root.proxy?.status?.currentStatus, 'invalid');
    assert.deepEqual(
      root.valid.errors?.map((error) => error.reason),
      ['IncludeLimitExceeded'],
    );
    const bystander = await getObject<ProxyView>(
      cluster.client,
      'projectcontour.io/v1',
      'HTTPProxy',
      namespace,
      'bystander',
    );
    assert.equal(bystander?.status?.currentStatus, 'valid');

    for (const replica of [first, second]) {
      const answer = await eventually(`${replica.identity} reports the refusal`, async () => {
        const current = await replica.readyz();
        return current.body.config === 'degraded' ? current : undefined;
      });
      assert.equal(answer.status, 200);
      assert.equal(answer.body.phase, 'SERVING');
      assert.ok(
        answer.body.rejected?.some((entry) =>
          entry.startsWith(`HTTPProxy ${namespace}/root: IncludeLimitExceeded`),
        ),
        JSON.stringify(answer.body.rejected),
      );
      assert.equal(replica.handle.child.exitCode, null, `${replica.identity} is still running`);
    }

    // A replica started with the diamond already stored builds it at start-up, and becomes ready.
    const late = await start('hostile-late');
    const answer = await waitReady(late);
    assert.equal(answer.body.config, 'degraded');
    assert.equal(first.handle.child.exitCode, null);
    assert.equal(second.handle.child.exitCode, null);
  });
});
