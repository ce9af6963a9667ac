// Leadership and status with real `contour serve` replicas against a real kube-apiserver:
// invalid → valid status flips written by the leader, followers never write, failover after
// SIGKILL, Lease release on SIGTERM, and identical snapshots across replicas after random churn.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../../src/apis/meta.js';
import {
  applyObject,
  createNamespace,
  deleteObject,
  eventually,
  getObject,
  installCrds,
  killAllChildren,
  projectCrdsFile,
  type Replica,
  startReplica,
  startTestCluster,
  type LeaseView,
  type ProxyView,
  type TestCluster,
  uniqueName,
  validCondition,
  waitReady,
} from '../../scripts/envtest/harness.js';

type Proxy = ProxyView;

const proxy = (namespace: string, name: string, service: string, fqdn = `${name}.example.com`): Proxy => ({
  apiVersion: 'projectcontour.io/v1',
  kind: 'HTTPProxy',
  metadata: { name, namespace },
  spec: { virtualhost: { fqdn }, routes: [{ services: [{ name: service, port: 80 }] }] },
});

const service = (namespace: string, name: string, port = 80): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace },
  spec: { ports: [{ name: 'http', port }] },
});

// A small seeded generator, so a failing churn sequence can be replayed from its seed.
const seededRandom = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

describe('replica leadership and status', () => {
  let cluster: TestCluster;
  const replicas: Replica[] = [];

  const start = async (identity: string, leaseNamespace: string, args: string[] = []): Promise<Replica> => {
    const replica = await startReplica({ identity, kubeconfig: cluster.kubeconfig, leaseNamespace, args });
    replicas.push(replica);
    return replica;
  };
  const readLease = (namespace: string) =>
    getObject<LeaseView>(cluster.client, 'coordination.k8s.io/v1', 'Lease', namespace, 'leader-elect');
  const readProxy = (namespace: string, name: string) =>
    getObject<Proxy>(cluster.client, 'projectcontour.io/v1', 'HTTPProxy', namespace, name);

  before(async () => {
    cluster = await startTestCluster();
    await installCrds(cluster.client, projectCrdsFile);
  });
  after(async () => {
    await killAllChildren();
    await cluster?.stop();
  });

  it('a follower never writes status; the leader writes Valid=False, then Valid=True once fixed', async () => {
    const namespace = uniqueName('follower');
    await createNamespace(cluster.client, namespace);
    // Someone else holds the Lease for a long time: our replica can only follow.
    await applyObject(cluster.client, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'leader-elect', namespace },
      spec: {
        holderIdentity: 'someone-else',
        leaseDurationSeconds: 3600,
        renewTime: new Date().toISOString().replace('Z', '000Z'),
      },
    });
    const follower = await start('follower', namespace, ['--watch-namespaces', namespace]);
    await waitReady(follower);
    await applyObject(cluster.client, proxy(namespace, 'broken', 'missing'));
    await eventually(
      'the follower built the invalid proxy',
      async () => (await follower.readyz()).body.config === 'degraded',
    );
    assert.equal((await follower.readyz()).body.leader, false);
    assert.equal(validCondition(await readProxy(namespace, 'broken')), undefined, 'a follower wrote status');
    // Contour's HTTPProxy gauges are the leader's alone.
    const metricLines = async (name: string): Promise<string[]> =>
      (await (await fetch(`http://127.0.0.1:${follower.healthPort}/metrics`)).text())
        .split('\n')
        .filter((line) => line.startsWith(`${name}{`));
    assert.deepEqual(await metricLines('contour_httpproxy'), [], 'a follower exported HTTPProxy counts');

    // The other holder goes away (releases): our replica leads and reconciles every object.
    const lease = await readLease(namespace);
    assert.ok(lease);
    await applyObject(cluster.client, {
      ...lease,
      spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 },
    });
    await eventually('the replica leads', async () => (await follower.readyz()).body.leader === true, 20_000);
    const invalid = await eventually('Valid=False written', async () => {
      const condition = validCondition(await readProxy(namespace, 'broken'));
      return condition?.status === 'False' ? condition : undefined;
    });
    assert.equal(invalid.reason, 'ErrorPresent');
    assert.ok(invalid.errors?.some((error) => error.reason === 'ServiceUnresolvedReference'));
    assert.equal((await readProxy(namespace, 'broken'))?.status?.currentStatus, 'invalid');
    assert.deepEqual(await metricLines('contour_httpproxy_invalid'), [
      `contour_httpproxy_invalid{namespace="${namespace}",vhost="broken.example.com"} 1`,
    ]);
    await eventually('the write counted', async () =>
      (await metricLines('contour_status_update_success_total')).some((line) => line.includes('HTTPProxy')),
    );

    await applyObject(cluster.client, service(namespace, 'missing'));
    await eventually('Valid=True written after the fix', async () => {
      const current = await readProxy(namespace, 'broken');
      return validCondition(current)?.status === 'True' && current?.status?.currentStatus === 'valid';
    });
    await follower.kill('SIGTERM');
  });

  it('leader SIGKILLed: another replica takes the Lease and writes status; SIGTERM releases at once', async () => {
    const namespace = uniqueName('failover');
    await createNamespace(cluster.client, namespace);
    const args = ['--watch-namespaces', namespace];
    const group = await Promise.all(['fo-a', 'fo-b', 'fo-c'].map((id) => start(id, namespace, args)));
    await Promise.all(group.map((replica) => waitReady(replica)));
    const leaderId = await eventually(
      'a leader',
      async () => (await readLease(namespace))?.spec.holderIdentity || undefined,
    );
    const leader = group.find((replica) => replica.identity === leaderId)!;
    await eventually('exactly one replica says it leads', async () => {
      const answers = await Promise.all(group.map((replica) => replica.readyz()));
      return (
        answers.filter((answer) => answer.body.leader).length === 1 && (await leader.readyz()).body.leader
      );
    });

    await leader.kill('SIGKILL');
    const survivors = group.filter((replica) => replica !== leader);
    await applyObject(cluster.client, proxy(namespace, 'after-kill', 'nowhere'));
    // Bound from the protocol: lease duration (3 s) + a jittered retry period (≤ 1.1 s), with slack
    // for a loaded machine.
    await eventually(
      'a survivor leads and writes the new proxy’s status',
      async () => {
        const holder = (await readLease(namespace))?.spec.holderIdentity;
        if (!holder || holder === leaderId) return undefined;
        return validCondition(await readProxy(namespace, 'after-kill'))?.status === 'False';
      },
      3000 + 1100 + 15_000,
    );
    const newLeaderId = (await readLease(namespace))?.spec.holderIdentity;
    const newLeader = survivors.find((replica) => replica.identity === newLeaderId)!;
    const last = survivors.find((replica) => replica !== newLeader)!;

    assert.equal(await newLeader.kill('SIGTERM'), 0);
    const afterRelease = await readLease(namespace);
    // Released (empty holder, 1 s) or already taken by the last replica: never left to expire.
    if (afterRelease?.spec.holderIdentity) assert.equal(afterRelease.spec.holderIdentity, last.identity);
    else assert.equal(afterRelease?.spec.leaseDurationSeconds, 1);
    await eventually(
      'the last replica leads',
      async () => (await last.readyz()).body.leader === true,
      10_000,
    );
    await last.kill('SIGTERM');
  });

  it('three replicas fed random creates, updates and deletes end with the same snapshot as a fresh one', async (t) => {
    const namespace = uniqueName('churn');
    await createNamespace(cluster.client, namespace);
    const args = ['--watch-namespaces', namespace];
    const group = await Promise.all(
      ['churn-a', 'churn-b', 'churn-c'].map((id) => start(id, namespace, args)),
    );
    await Promise.all(group.map((replica) => waitReady(replica)));

    const seed = Math.floor(Math.random() * 2 ** 31);
    t.diagnostic(`churn seed ${seed}`);
    const random = seededRandom(seed);
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
    const proxyNames = ['p1', 'p2', 'p3', 'p4', 'p5'];
    const serviceNames = ['s1', 's2', 's3'];
    for (let step = 0; step < 60; step++) {
      const roll = random();
      if (roll < 0.4) {
        // Create or update a proxy; some share an fqdn (a conflict) or point at a missing service.
        const name = pick(proxyNames);
        await applyObject(
          cluster.client,
          proxy(
            namespace,
            name,
            pick([...serviceNames, 'absent']),
            `${pick(['a', 'b', 'c', name])}.example.com`,
          ),
        );
      } else if (roll < 0.6) {
        await deleteObject(cluster.client, 'projectcontour.io/v1', 'HTTPProxy', namespace, pick(proxyNames));
      } else if (roll < 0.85) {
        await applyObject(cluster.client, service(namespace, pick(serviceNames), pick([80, 8080])));
      } else {
        await deleteObject(cluster.client, 'v1', 'Service', namespace, pick(serviceNames));
      }
      if (random() < 0.2) await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 300)));
    }

    const fresh = await start('churn-fresh', namespace, args);
    const expected = (await waitReady(fresh)).body.snapshot?.hash;
    assert.ok(expected);
    await eventually(
      'all replicas converge on the fresh replica’s snapshot',
      async () => {
        const answers = await Promise.all(group.map((replica) => replica.readyz()));
        return answers.every((answer) => answer.body.snapshot?.hash === expected);
      },
      30_000,
    );
    await Promise.all([...group, fresh].map((replica) => replica.kill('SIGTERM')));
  });
});
