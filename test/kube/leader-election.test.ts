// Lease leader election with real contender processes against a real kube-apiserver:
// one leader at a time, takeover after SIGKILL once the lease expires, release on SIGTERM.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startLeaderElection } from '../../src/lifecycle/leader-election.js';
import { silentLogger } from '../../src/util/logger.js';
import {
  type ChildHandle,
  createNamespace,
  eventually,
  getObject,
  killAllChildren,
  repoRoot,
  spawnTypeScript,
  startTestCluster,
  type TestCluster,
  uniqueName,
} from '../../scripts/envtest/harness.js';

interface LeaseView {
  metadata: { name: string; resourceVersion: string };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; leaseTransitions?: number };
  apiVersion: string;
  kind: string;
}

const elector = resolve(repoRoot, 'test/kube/fixtures/elector.ts');
// The fixture's timings: lease 3 s, renew deadline 2 s, retry 0.5 s (jittered up to ×2.2).
const leaseMs = 3000;
const retryBoundMs = 500 * 2.2;

const isLeading = (handle: ChildHandle): boolean => {
  const last = handle.lines.filter((l) => l === 'leading' || l === 'stopped').at(-1);
  return last === 'leading';
};

describe('leader election', () => {
  let cluster: TestCluster;

  before(async () => {
    cluster = await startTestCluster();
  });
  after(async () => {
    await killAllChildren();
    await cluster?.stop();
  });

  const readLease = (namespace: string, name: string) =>
    getObject<LeaseView & import('../../src/apis/meta.js').KubeObject>(
      cluster.client,
      'coordination.k8s.io/v1',
      'Lease',
      namespace,
      name,
    );

  it('elects one of three contenders, fails over after SIGKILL, and hands over at once on SIGTERM', async () => {
    const namespace = uniqueName('election');
    await createNamespace(cluster.client, namespace);
    const ids = ['replica-a', 'replica-b', 'replica-c'].sort(() => Math.random() - 0.5);
    const contenders = new Map<string, ChildHandle>();
    for (const id of ids)
      contenders.set(id, spawnTypeScript(elector, [cluster.kubeconfig, namespace, 'leader-elect', id]));

    const firstLeader = await eventually('a leader', async () => {
      const lease = await readLease(namespace, 'leader-elect');
      const holder = lease?.spec.holderIdentity;
      return holder && isLeading(contenders.get(holder)!) ? holder : undefined;
    });
    // Let a few renew rounds pass: the others keep following and never claim leadership.
    await eventually('followers observed the leader', () =>
      [...contenders].every(([id, c]) => id === firstLeader || c.lines.includes(`following ${firstLeader}`)),
    );
    const leaders = [...contenders].filter(([, c]) => isLeading(c)).map(([id]) => id);
    assert.deepEqual(leaders, [firstLeader]);
    const before = await readLease(namespace, 'leader-elect');

    // SIGKILL: no release; the others must wait for expiry (by their own observation clock).
    contenders.get(firstLeader)!.child.kill('SIGKILL');
    await contenders.get(firstLeader)!.exited;
    contenders.delete(firstLeader);
    // Upper bound from the protocol itself: the lease duration plus one jittered retry period,
    // plus slack for a loaded CI machine; the takeover cannot be faster than expiry either.
    const secondLeader = await eventually(
      'a new leader after SIGKILL',
      async () => {
        const lease = await readLease(namespace, 'leader-elect');
        const holder = lease?.spec.holderIdentity;
        return holder && holder !== firstLeader && isLeading(contenders.get(holder)!) ? holder : undefined;
      },
      leaseMs + retryBoundMs + 10_000,
    );
    const afterKill = await readLease(namespace, 'leader-elect');
    assert.equal(afterKill?.spec.leaseTransitions, (before?.spec.leaseTransitions ?? 0) + 1);
    assert.equal([...contenders].filter(([, c]) => isLeading(c)).length, 1);

    // SIGTERM: the leader releases the lease before exiting.
    const second = contenders.get(secondLeader)!;
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
    assert.ok(second.lines.includes('released'), 'the leader reported releasing the lease');
    contenders.delete(secondLeader);
    const afterRelease = await readLease(namespace, 'leader-elect');
    const [lastId] = [...contenders.keys()];
    // Either still released (empty holder, 1 s) or already taken by the last contender.
    if (afterRelease?.spec.holderIdentity === '' || afterRelease?.spec.holderIdentity === undefined) {
      assert.equal(afterRelease?.spec.leaseDurationSeconds, 1);
    } else {
      assert.equal(afterRelease?.spec.holderIdentity, lastId);
    }
    await eventually('the last contender leads', () => isLeading(contenders.get(lastId)!), leaseMs + 10_000);
  });

  it('a released lease is taken without waiting for the old duration', async () => {
    const namespace = uniqueName('release');
    await createNamespace(cluster.client, namespace);
    const started: string[] = [];
    const common = {
      client: cluster.client,
      namespace,
      name: 'leader-elect',
      // A long lease: if release did not work, the follower would wait a minute.
      leaseDurationMs: 60_000,
      renewDeadlineMs: 2000,
      retryPeriodMs: 200,
      logger: silentLogger(),
    };
    const first = startLeaderElection({
      ...common,
      identity: 'first',
      onStartedLeading: () => started.push('first'),
    });
    await eventually('first leads', () => first.isLeader());
    const second = startLeaderElection({
      ...common,
      identity: 'second',
      onStartedLeading: () => started.push('second'),
    });
    await eventually('second observes first', () => second.currentLeader() === 'first');
    assert.equal(second.isLeader(), false);
    await first.stop();
    assert.equal(first.isLeader(), false);
    await eventually('second takes the released lease', () => second.isLeader(), 20_000);
    assert.deepEqual(started, ['first', 'second']);
    await second.stop();
    const released = await readLease(namespace, 'leader-elect');
    assert.equal(released?.spec.holderIdentity ?? '', '');
    assert.equal(released?.spec.leaseDurationSeconds, 1);
    // Created by first (0), taken by second (1); releases do not count as transitions.
    assert.equal(released?.spec.leaseTransitions, 1);
  });

  it('a leader that finds another holder in the lease steps down and does not overwrite it', async () => {
    const namespace = uniqueName('intruder');
    await createNamespace(cluster.client, namespace);
    let stoppedLeading = 0;
    const election = startLeaderElection({
      client: cluster.client,
      namespace,
      name: 'leader-elect',
      identity: 'me',
      leaseDurationMs: 10_000,
      renewDeadlineMs: 2000,
      retryPeriodMs: 200,
      logger: silentLogger(),
      onStoppedLeading: () => (stoppedLeading += 1),
    });
    try {
      await eventually('leading', () => election.isLeader());
      const lease = await readLease(namespace, 'leader-elect');
      assert.ok(lease);
      // Another writer takes the lease (optimistic concurrency on the version we just read).
      await cluster.client
        .request({
          method: 'PUT',
          path: `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/leader-elect`,
          body: {
            ...lease,
            spec: {
              ...lease.spec,
              holderIdentity: 'intruder',
              renewTime: new Date().toISOString().replace('Z', '000Z'),
            },
          },
        })
        .catch(async () => {
          // Our renewal won the race for that version; retry once with a fresh read.
          const fresh = await readLease(namespace, 'leader-elect');
          await cluster.client.request({
            method: 'PUT',
            path: `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/leader-elect`,
            body: {
              ...fresh,
              spec: {
                ...fresh?.spec,
                holderIdentity: 'intruder',
                renewTime: new Date().toISOString().replace('Z', '000Z'),
              },
            },
          });
        });
      await eventually('stepped down', () => !election.isLeader());
      assert.equal(stoppedLeading, 1);
      assert.equal(election.currentLeader(), 'intruder');
      const after = await readLease(namespace, 'leader-elect');
      assert.equal(
        after?.spec.holderIdentity,
        'intruder',
        'the unexpired lease of another holder is left alone',
      );
    } finally {
      await election.stop();
    }
  });
});
