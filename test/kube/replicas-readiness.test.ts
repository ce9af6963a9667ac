// Readiness of real `contour serve` replicas against a real kube-apiserver: the Contour 1.27–1.30
// failure (a non-leader never ready in an empty cluster or a namespace of ignored objects) must be
// impossible, and API server outages before or after SERVING must behave.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  applyObject,
  createNamespace,
  deleteObject,
  eventually,
  installCrds,
  killAllChildren,
  projectCrdsFile,
  type Replica,
  startInProcessReplica,
  startReplica,
  startTestCluster,
  type TestCluster,
  uniqueName,
  waitReady,
} from '../../scripts/envtest/harness.js';

const leaseNamespace = 'projectcontour';

const proxy = (namespace: string, name: string, service: string) => ({
  apiVersion: 'projectcontour.io/v1',
  kind: 'HTTPProxy',
  metadata: { name, namespace },
  spec: {
    virtualhost: { fqdn: `${name}.example.com` },
    routes: [{ services: [{ name: service, port: 80 }] }],
  },
});

const service = (namespace: string, name: string) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace },
  spec: { ports: [{ name: 'http', port: 80 }] },
});

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('replica readiness', () => {
  let cluster: TestCluster;
  const replicas: Replica[] = [];

  const start = async (identity: string, args: string[] = []): Promise<Replica> => {
    const replica = await startReplica({ identity, kubeconfig: cluster.kubeconfig, leaseNamespace, args });
    replicas.push(replica);
    return replica;
  };
  const stopAll = async (): Promise<void> => {
    await Promise.all(replicas.splice(0).map((replica) => replica.kill('SIGTERM')));
  };

  before(async () => {
    cluster = await startTestCluster();
  });
  after(async () => {
    await killAllChildren();
    await cluster?.stop();
  });

  it('empty cluster (no CRDs, no Lease namespace): two replicas both become ready', async () => {
    const [first, second] = await Promise.all([start('empty-a'), start('empty-b')]);
    const answers = await Promise.all([waitReady(first), waitReady(second)]);
    for (const answer of answers) {
      assert.equal(answer.body.phase, 'SERVING');
      // Nothing to route, but HTTPProxies could not be read at all: degraded, not empty (DESIGN.md §3).
      assert.equal(answer.body.config, 'degraded');
      assert.equal(answer.body.sources?.kubernetes, 'synced');
      assert.ok(
        answer.body.notes?.some((note) => note.includes('HTTPProxy CRD')),
        'missing CRD is reported',
      );
    }
    // Neither can hold a Lease in a namespace that does not exist: readiness did not wait for one.
    assert.deepEqual(
      answers.map((a) => a.body.leader),
      [false, false],
    );
    assert.equal(answers[0].body.snapshot?.hash, answers[1].body.snapshot?.hash);
    await stopAll();
    await installCrds(cluster.client, projectCrdsFile);
    await createNamespace(cluster.client, leaseNamespace);
  });

  it('a watched namespace holding only an unrelated Secret: both ready, 20 random start orders', async (t) => {
    const namespace = uniqueName('unrelated');
    await createNamespace(cluster.client, namespace);
    await applyObject(cluster.client, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'unrelated', namespace },
      type: 'Opaque',
      data: { password: Buffer.from('x').toString('base64') },
    });
    const hashes = new Set<string>();
    // In-process replicas: the same startServe() as the CLI, without paying process start-up 40 times.
    for (let run = 0; run < 20; run++) {
      const order = Math.random() < 0.5 ? ['a', 'b'] : ['b', 'a'];
      const pause = Math.floor(Math.random() * 1500);
      const common = { kubeconfig: cluster.kubeconfig, leaseNamespace, watchNamespaces: namespace };
      const first = await startInProcessReplica({ ...common, identity: `run${run}-${order[0]}` });
      await delay(pause);
      const second = await startInProcessReplica({ ...common, identity: `run${run}-${order[1]}` });
      try {
        const answers = await Promise.all([waitReady(first), waitReady(second)]);
        for (const answer of answers) {
          assert.equal(answer.body.config, 'empty');
          hashes.add(answer.body.snapshot?.hash ?? '');
        }
      } finally {
        await Promise.all([first.stop(), second.stop()]);
      }
    }
    t.diagnostic(`40 replicas became ready; ${hashes.size} distinct snapshot hash(es)`);
    assert.equal(hashes.size, 1, 'every replica built the same snapshot');
  });

  it('a watched namespace that does not exist yet: ready, then picks up objects once it exists', async () => {
    const namespace = uniqueName('future');
    const replica = await start('future', ['--watch-namespaces', namespace]);
    const ready = await waitReady(replica);
    assert.equal(ready.body.config, 'empty');
    await createNamespace(cluster.client, namespace);
    await applyObject(cluster.client, service(namespace, 'web'));
    await applyObject(cluster.client, proxy(namespace, 'future', 'web'));
    await eventually(
      'config from the new namespace',
      async () => (await replica.readyz()).body.config === 'valid',
    );
    await stopAll();
  });

  it('API server down at start: not ready, then ready once it is up', async (t) => {
    if (!cluster.controlled) return t.skip('needs an API server the harness controls');
    await cluster.stopApiServer();
    try {
      const [first, second] = await Promise.all([start('down-a'), start('down-b')]);
      for (const replica of [first, second]) {
        const answer = await eventually('/readyz answers', async () => {
          const current = await replica.readyz();
          return current.status !== 0 ? current : undefined;
        });
        assert.equal(answer.status, 503);
        assert.notEqual(answer.body.phase, 'SERVING');
      }
      // Still not ready after a few failed rounds against the dead server.
      await delay(2000);
      for (const replica of [first, second]) assert.equal((await replica.readyz()).status, 503);
    } finally {
      await cluster.startApiServer();
    }
    await Promise.all(replicas.map((replica) => waitReady(replica)));
    await stopAll();
  });

  it('API server restarted after SERVING: stays ready, reports stale, converges on changes', async (t) => {
    if (!cluster.controlled) return t.skip('needs an API server the harness controls');
    const namespace = uniqueName('restart');
    await createNamespace(cluster.client, namespace);
    await applyObject(cluster.client, service(namespace, 'web'));
    await applyObject(cluster.client, proxy(namespace, 'kept', 'web'));
    await applyObject(cluster.client, proxy(namespace, 'doomed', 'web'));
    const args = ['--watch-namespaces', namespace];
    const [first, second] = await Promise.all([start('restart-a', args), start('restart-b', args)]);
    const before = await Promise.all([waitReady(first), waitReady(second)]);
    assert.equal(before[0].body.snapshot?.hash, before[1].body.snapshot?.hash);

    await cluster.stopApiServer();
    let notReadyDuringOutage = 0;
    try {
      await eventually('both report the source stale', async () => {
        const answers = await Promise.all([first.readyz(), second.readyz()]);
        notReadyDuringOutage += answers.filter((a) => a.status !== 200).length;
        return answers.every((a) => a.body.sources?.kubernetes === 'stale');
      });
      for (let poll = 0; poll < 5; poll++) {
        const answers = await Promise.all([first.readyz(), second.readyz()]);
        notReadyDuringOutage += answers.filter((a) => a.status !== 200).length;
        await delay(200);
      }
    } finally {
      await cluster.startApiServer();
    }
    assert.equal(notReadyDuringOutage, 0, 'a replica stopped being ready while the API server was down');
    // Changed while the replicas are still reconnecting.
    await deleteObject(cluster.client, 'projectcontour.io/v1', 'HTTPProxy', namespace, 'doomed');
    await applyObject(cluster.client, proxy(namespace, 'added', 'web'));

    const fresh = await start('restart-fresh', args);
    const expected = (await waitReady(fresh)).body.snapshot?.hash;
    assert.notEqual(expected, before[0].body.snapshot?.hash, 'the changes alter the snapshot');
    await eventually(
      'the restarted replicas converge on the fresh replica’s snapshot',
      async () => {
        const answers = await Promise.all([first.readyz(), second.readyz()]);
        return answers.every(
          (a) => a.body.sources?.kubernetes === 'synced' && a.body.snapshot?.hash === expected,
        );
      },
      60_000,
    );
    await stopAll();
  });
});
