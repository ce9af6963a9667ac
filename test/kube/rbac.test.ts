// contour-ts under Project Contour's own RBAC (its v1.33 ClusterRole and Role, from
// test/fixtures/contour) on an API server that enforces RBAC: a kind Contour's roles do not grant
// (IngressClass) or that an operator took away (Secrets) is reported and treated as empty, never
// waited for; it is picked up once granted, without a restart; Lease and status need nothing more.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../../src/apis/meta.js';
import { createKubeClient, loadKubeConfig } from '../../src/sources/kubernetes/client.js';
import { createKubernetesSource } from '../../src/sources/kubernetes/source.js';
import type { StoredCondition } from '../../src/status/desired.js';
import { createStore } from '../../src/store/store.js';
import { silentLogger } from '../../src/util/logger.js';
import {
  applyObject,
  contourRbacFiles,
  createNamespace,
  eventually,
  getObject,
  installCrds,
  killAllChildren,
  projectCrdsFile,
  readYamlObjects,
  type Replica,
  repoRoot,
  serviceAccountKubeconfig,
  startInProcessReplica,
  startReplica,
  startTestCluster,
  type LeaseView,
  type ProxyView,
  type TestCluster,
  uniqueName,
  validCondition,
  waitReady,
} from '../../scripts/envtest/harness.js';

const controllerNamespace = 'projectcontour';
const ingressClassNote = 'IngressClass cannot be read: forbidden (missing permission: list ingressclasses';

const metricsOf = async (replica: Replica): Promise<string> => {
  const response = await fetch(`http://127.0.0.1:${replica.healthPort}/metrics`);
  return response.text();
};

describe('contour-ts with Contour v1.33 RBAC', () => {
  let cluster: TestCluster;
  let kubeconfig: string;
  const replicas: Replica[] = [];
  const start = async (identity: string): Promise<Replica> => {
    const replica = await startReplica({ identity, kubeconfig, leaseNamespace: controllerNamespace });
    replicas.push(replica);
    return replica;
  };
  const readProxy = (namespace: string, name: string) =>
    getObject<ProxyView>(cluster.client, 'projectcontour.io/v1', 'HTTPProxy', namespace, name);

  // Creates an HTTPProxy routing to a missing Service; resolves with the Valid=False the leader wrote.
  const leaderWritesInvalidStatus = async (prefix: string): Promise<StoredCondition> => {
    const namespace = uniqueName(prefix);
    await createNamespace(cluster.client, namespace);
    await applyObject(cluster.client, {
      apiVersion: 'projectcontour.io/v1',
      kind: 'HTTPProxy',
      metadata: { name: 'broken', namespace },
      spec: {
        virtualhost: { fqdn: `${namespace}.example.com` },
        routes: [{ services: [{ name: 'nope', port: 80 }] }],
      },
    });
    return eventually('the leader writes Valid=False', async () => {
      const found = validCondition(await readProxy(namespace, 'broken'));
      return found?.status === 'False' ? found : undefined;
    });
  };

  before(async () => {
    cluster = await startTestCluster({ authorization: 'RBAC' });
    await installCrds(cluster.client, projectCrdsFile);
    kubeconfig = await serviceAccountKubeconfig(cluster, controllerNamespace, 'contour');
    for (const file of contourRbacFiles) {
      for (const object of readYamlObjects(file)) await applyObject(cluster.client, object);
    }
  });
  after(async () => {
    await killAllChildren();
    await cluster?.stop();
  });

  it('empty cluster: both replicas ready, one holds the Lease, the leader writes an invalid HTTPProxy status', async () => {
    // The account really is limited: it may not list IngressClasses.
    const limited = createKubeClient(loadKubeConfig({ kubeconfig }));
    await assert.rejects(
      limited.request({ method: 'GET', path: '/apis/networking.k8s.io/v1/ingressclasses' }),
      /forbidden/,
    );
    const [first, second] = await Promise.all([start('rbac-a'), start('rbac-b')]);
    const answers = await Promise.all([waitReady(first), waitReady(second)]);
    for (const answer of answers) {
      assert.equal(answer.body.phase, 'SERVING');
      assert.equal(answer.body.sources?.kubernetes, 'synced');
      assert.equal(answer.body.config, 'degraded', 'a kind that cannot be read degrades the config');
      assert.ok(
        answer.body.notes?.some((note) => note.includes(ingressClassNote)),
        `IngressClass note in ${JSON.stringify(answer.body.notes)}`,
      );
    }
    assert.match(
      await metricsOf(first),
      /contour_source_unavailable\{kind="IngressClass",reason="forbidden"\} 1/,
    );
    assert.ok(
      first.handle.errorLines.some(
        (line) => line.includes('"level":50') && line.includes('missing permission: list ingressclasses'),
      ),
      'an error log line names the kind, the verb and the missing permission',
    );

    const holder = await eventually('one replica holds the Lease', async () => {
      const lease = await getObject<LeaseView>(
        cluster.client,
        'coordination.k8s.io/v1',
        'Lease',
        controllerNamespace,
        'leader-elect',
      );
      return lease?.spec.holderIdentity;
    });
    assert.ok(['rbac-a', 'rbac-b'].includes(holder));
    await eventually('exactly one replica reports leader', async () => {
      const leaders = (await Promise.all([first.readyz(), second.readyz()])).map((a) => a.body.leader);
      return leaders.filter(Boolean).length === 1;
    });

    assert.match(JSON.stringify(await leaderWritesInvalidStatus('rbac')), /nope/);
  });

  it('IngressClass permission granted while running: picked up with a full list, no restart', async () => {
    assert.equal(replicas.length, 2, 'the replicas of the first test are still running');
    const pids = replicas.map((replica) => replica.handle.child.pid);
    await applyObject(cluster.client, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: 'contour' },
      spec: { controller: 'projectcontour.io/contour' },
    });
    // An in-process source as the same account, re-checking quickly, shows the list's content.
    const store = createStore();
    const source = createKubernetesSource(
      {
        client: createKubeClient(loadKubeConfig({ kubeconfig })),
        watchNamespaces: [],
        timing: { initialBackoffMs: 100, maxBackoffMs: 1000, unavailableRecheckMs: 300 },
      },
      silentLogger(),
    );
    let synced = false;
    await source.start({
      apply: (events) => events.forEach((event) => store.apply(event)),
      synced: () => (synced = true),
      stale: () => undefined,
    });
    try {
      await eventually('in-process source synced', () => synced);
      assert.equal(source.describe().kinds.IngressClass.state, 'unavailable');
      assert.equal(store.get('IngressClass', '', 'contour'), undefined);

      await applyObject(cluster.client, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'contour-ingressclasses' },
        rules: [
          {
            apiGroups: ['networking.k8s.io'],
            resources: ['ingressclasses'],
            verbs: ['get', 'list', 'watch'],
          },
        ],
      });
      await applyObject(cluster.client, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'contour-ingressclasses' },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'contour-ingressclasses',
        },
        subjects: [{ kind: 'ServiceAccount', name: 'contour', namespace: controllerNamespace }],
      });
      await eventually('IngressClass listed once permitted', () => store.get('IngressClass', '', 'contour'));
      assert.equal(source.describe().kinds.IngressClass.state, 'synced');
      assert.deepEqual(source.describe().unavailable, {});
    } finally {
      await source.stop();
    }

    // The replicas re-check every 30 s: the note and the metric go, with the same processes.
    for (const replica of replicas) {
      await eventually(
        `${replica.identity} drops the IngressClass note`,
        async () => {
          const answer = await replica.readyz();
          return answer.status === 200 && !answer.body.notes?.some((note) => note.includes('IngressClass'));
        },
        90_000,
        500,
      );
      assert.doesNotMatch(await metricsOf(replica), /contour_source_unavailable\{kind="IngressClass"/);
      assert.ok(
        replica.handle.errorLines.some((line) => line.includes('IngressClass can be read again')),
        'the recovery is logged',
      );
    }
    assert.deepEqual(
      replicas.map((replica) => replica.handle.child.pid),
      pids,
    );
    assert.ok(replicas.every((replica) => replica.handle.child.exitCode === null));
  });

  it('Secret permission removed: ready, TLS hosts invalid naming the reason, the note in /readyz', async () => {
    // The replicas above still read Secrets; the new one alone must hold the Lease and write status.
    await Promise.all(replicas.splice(0).map((replica) => replica.kill('SIGTERM')));
    const role = readYamlObjects(contourRbacFiles[0]).find((object) => object.kind === 'ClusterRole')!;
    const rules = (role as KubeObject & { rules: { resources: string[] }[] }).rules.map((rule) => ({
      ...rule,
      resources: rule.resources.filter((resource) => resource !== 'secrets'),
    }));
    await applyObject(cluster.client, { ...role, rules });
    const limited = createKubeClient(loadKubeConfig({ kubeconfig }));
    await eventually('Secret list forbidden for the account', () =>
      limited.request({ method: 'GET', path: '/api/v1/secrets' }).then(
        () => false,
        (error: Error) => /forbidden/.test(error.message),
      ),
    );

    const namespace = uniqueName('nosecrets');
    await createNamespace(cluster.client, namespace);
    await applyObject(cluster.client, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'cert', namespace },
      type: 'kubernetes.io/tls',
      data: {
        'tls.crt': Buffer.from('x').toString('base64'),
        'tls.key': Buffer.from('y').toString('base64'),
      },
    });
    await applyObject(cluster.client, {
      apiVersion: 'projectcontour.io/v1',
      kind: 'HTTPProxy',
      metadata: { name: 'secure', namespace },
      spec: {
        virtualhost: { fqdn: 'secure.example.com', tls: { secretName: 'cert' } },
        routes: [{ services: [{ name: 'backend', port: 80 }] }],
      },
    });

    const replica = await start('rbac-nosecrets');
    const answer = await waitReady(replica);
    assert.equal(answer.body.config, 'degraded');
    assert.ok(
      answer.body.notes?.some((note) =>
        note.includes('Secret cannot be read: forbidden (missing permission: list secrets (cluster-wide))'),
      ),
      `Secret note in ${JSON.stringify(answer.body.notes)}`,
    );
    const condition = await eventually('TLS host invalid with the reason', async () => {
      const found = validCondition(await readProxy(namespace, 'secure'));
      return found?.status === 'False' && /Secret cannot be read: forbidden/.test(JSON.stringify(found))
        ? found
        : undefined;
    });
    assert.match(JSON.stringify(condition), /SecretNotValid/);
  });

  it("deploy/02-rbac.yaml (the project's own, a superset) leaves no kind unreadable and lets the leader write status", async () => {
    await Promise.all(replicas.splice(0).map((replica) => replica.kill('SIGTERM')));
    // Same names as Contour's (ClusterRole contour, ServiceAccount contour): this replaces them.
    for (const object of readYamlObjects(resolve(repoRoot, 'deploy/02-rbac.yaml'))) {
      await applyObject(cluster.client, object);
    }
    const replica = await startInProcessReplica({
      identity: 'deploy-rbac',
      kubeconfig,
      leaseNamespace: controllerNamespace,
    });
    try {
      const answer = await waitReady(replica);
      assert.ok(
        !answer.body.notes?.some((note) => note.includes('cannot be read')),
        `no unreadable kind: ${JSON.stringify(answer.body.notes)}`,
      );
      await leaderWritesInvalidStatus('deploy');
    } finally {
      await replica.stop();
    }
  });
});
