// deploy/crds.yaml is up to date, the API server accepts it, and it judges objects exactly as
// Contour's published CRDs do: the reference CRDs are installed side by side under a renamed
// group, and every example object plus hundreds of mutations of them are dry-run created against
// both. Same verdict required, and for accepted objects the same stored spec (defaults, pruning).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../../src/apis/meta.js';
import { isApiStatus } from '../../src/sources/kubernetes/client.js';
import { renderCrds } from '../../scripts/generate-crds.js';
import {
  applyObject,
  createNamespace,
  eventually,
  getObject,
  projectCrdsFile,
  readYamlObjects,
  referenceCrdsFile,
  repoRoot,
  startTestCluster,
  type TestCluster,
} from '../../scripts/envtest/harness.js';

const referenceGroup = 'reference.projectcontour.io';
const compatKinds = ['HTTPProxy', 'TLSCertificateDelegation', 'ExtensionService'];
const namespace = 'crd-compat';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Verdict {
  accepted: boolean;
  spec?: unknown;
  error?: string;
}

interface Case {
  label: string;
  object: KubeObject;
}

// Values that break a field of each JSON type in a different way.
const replacementsFor = (value: Json): Json[] => {
  if (typeof value === 'string') return ['', 'Bogus', '-1s', 'a b', 5, true];
  if (typeof value === 'number') return [-1, 0, 70000, 1.5, 'five'];
  if (typeof value === 'boolean') return ['yes', 1];
  if (Array.isArray(value)) return [[], 'not-a-list', [{}]];
  if (value && typeof value === 'object') return [{}, 'not-an-object', { unknownField: 1 }];
  return [];
};

/** Every single-field mutation of an object's spec: replaced values and removed keys. */
const mutationsOf = (base: KubeObject): Case[] => {
  const cases: Case[] = [];
  const visit = (node: Json, path: (string | number)[]): void => {
    for (const replacement of replacementsFor(node)) {
      cases.push({
        label: `${path.join('.')} = ${JSON.stringify(replacement)}`,
        object: withValue(base, path, replacement),
      });
    }
    if (Array.isArray(node)) node.forEach((child, index) => visit(child, [...path, index]));
    else if (node && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        cases.push({
          label: `delete ${[...path, key].join('.')}`,
          object: withValue(base, [...path, key], undefined),
        });
        visit(child, [...path, key]);
      }
    }
  };
  visit(base.spec as Json, ['spec']);
  return cases;
};

const withValue = (base: KubeObject, path: (string | number)[], value: Json | undefined): KubeObject => {
  const copy = structuredClone(base) as unknown as Record<string | number, Json>;
  let node: Record<string | number, Json> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, Json>;
  const last = path[path.length - 1];
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else node[last] = value;
  return copy as unknown as KubeObject;
};

/** Contour's CRD for a kind, moved to another group so both can be installed at once. */
const renamedReferenceCrd = (crd: KubeObject): KubeObject => {
  const spec = structuredClone(crd.spec) as { group: string; names: { plural: string } };
  spec.group = referenceGroup;
  return { ...crd, metadata: { name: `${spec.names.plural}.${referenceGroup}` }, spec };
};

// Key order is not content: compare specs with sorted keys.
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, node: unknown) =>
    node && typeof node === 'object' && !Array.isArray(node)
      ? Object.fromEntries(Object.entries(node).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : node,
  );

const crdKind = (crd: KubeObject): string => (crd.spec as { names: { kind: string } }).names.kind;

const pluralOf: Record<string, string> = {
  HTTPProxy: 'httpproxies',
  TLSCertificateDelegation: 'tlscertificatedelegations',
  ExtensionService: 'extensionservices',
};

describe('CRDs', () => {
  let cluster: TestCluster;

  before(async () => {
    cluster = await startTestCluster();
    await createNamespace(cluster.client, namespace);
  });
  after(async () => {
    await cluster?.stop();
  });

  it('deploy/crds.yaml is what scripts/generate-crds.ts generates', async () => {
    assert.equal(
      readFileSync(projectCrdsFile, 'utf8'),
      await renderCrds(),
      'deploy/crds.yaml is stale: run `node --import tsx scripts/generate-crds.ts`',
    );
  });

  it('are accepted by the API server and judge objects as Contour’s CRDs do', async (t) => {
    const ours = readYamlObjects(projectCrdsFile);
    assert.deepEqual(ours.map(crdKind).sort(), [...compatKinds].sort());
    const reference = readYamlObjects(referenceCrdsFile)
      .filter((crd) => crd.kind === 'CustomResourceDefinition' && compatKinds.includes(crdKind(crd)))
      .map(renamedReferenceCrd);
    for (const crd of [...ours, ...reference]) await applyObject(cluster.client, crd);
    for (const crd of [...ours, ...reference]) {
      await eventually(`CRD ${crd.metadata.name} established`, async () => {
        const current = await getObject<
          KubeObject & { status?: { conditions?: { type: string; status: string }[] } }
        >(
          cluster.client,
          'apiextensions.k8s.io/v1',
          'CustomResourceDefinition',
          undefined,
          crd.metadata.name,
        );
        return current?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
      });
    }

    // Dry-run create: the server validates, defaults and prunes, and stores nothing.
    const verdict = async (
      object: KubeObject,
      group: string,
    ): Promise<{ accepted: boolean; spec?: unknown; error?: string }> => {
      const version = object.apiVersion.split('/')[1];
      const path = `/apis/${group}/${version}/namespaces/${namespace}/${pluralOf[object.kind]}`;
      const body = {
        ...object,
        apiVersion: `${group}/${version}`,
        metadata: { ...object.metadata, namespace },
      };
      try {
        const stored = await cluster.client.request<KubeObject>({
          method: 'POST',
          path,
          query: { dryRun: 'All' },
          body,
        });
        return { accepted: true, spec: stored.spec };
      } catch (error) {
        if (isApiStatus(error, 422) || isApiStatus(error, 400))
          return { accepted: false, error: (error as Error).message };
        throw error;
      }
    };

    const examples = readYamlObjects(resolve(repoRoot, 'test/kube/fixtures/crd-cases.yaml'));
    const cases: Case[] = examples.flatMap((example) => [
      { label: 'as written', object: example },
      ...mutationsOf(example),
    ]);
    let accepted = 0;
    let rejected = 0;
    const differences: string[] = [];
    const verdicts = new Array<[Verdict, Verdict]>(cases.length);
    // A few requests in flight at a time: the corpus is large and each case is two round trips.
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < cases.length) {
        const index = next++;
        const { object } = cases[index];
        verdicts[index] = await Promise.all([
          verdict(object, 'projectcontour.io'),
          verdict(object, referenceGroup),
        ]);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    cases.forEach(({ label, object }, index) => {
      const [mine, theirs] = verdicts[index];
      const name = `${object.kind}/${object.metadata.name}: ${label}`;
      if (mine.accepted !== theirs.accepted) {
        differences.push(
          `${name}: ours ${mine.accepted ? 'accepts' : `rejects (${mine.error})`}, Contour's ${theirs.accepted ? 'accepts' : `rejects (${theirs.error})`}`,
        );
      } else if (mine.accepted) {
        accepted += 1;
        if (canonical(mine.spec) !== canonical(theirs.spec)) {
          differences.push(
            `${name}: stored spec differs\n  ours:     ${canonical(mine.spec)}\n  Contour's: ${canonical(theirs.spec)}`,
          );
        }
      } else rejected += 1;
    });
    t.diagnostic(`${cases.length} cases: ${accepted} accepted and ${rejected} rejected by both`);
    for (const example of examples) {
      assert.equal(
        (await verdict(example, 'projectcontour.io')).accepted,
        true,
        `example ${example.metadata.name} is valid`,
      );
    }
    // The corpus must exercise both outcomes, or it proves nothing.
    assert.ok(
      accepted > 50 && rejected > 50,
      `corpus too one-sided: ${accepted} accepted, ${rejected} rejected`,
    );
    assert.deepEqual(differences, [], `${differences.length} of ${cases.length} cases differ`);
  });

  it('every manifest under deploy/ is accepted by the API server', async () => {
    const files = readdirSync(resolve(repoRoot, 'deploy'))
      .filter((file) => file.endsWith('.yaml'))
      .sort();
    const objects = files.flatMap((file) => readYamlObjects(resolve(repoRoot, 'deploy', file)));
    const kinds = new Set(objects.map((object) => object.kind));
    for (const kind of [
      'Deployment',
      'DaemonSet',
      'Service',
      'ClusterRole',
      'Role',
      'Job',
      'CustomResourceDefinition',
    ]) {
      assert.ok(kinds.has(kind), `deploy/ has a ${kind}`);
    }
    // Namespaces first, then everything else, as `kubectl apply -f deploy/` would manage.
    const ordered = [
      ...objects.filter((o) => o.kind === 'Namespace'),
      ...objects.filter((o) => o.kind !== 'Namespace'),
    ];
    for (const object of ordered) await applyObject(cluster.client, object);
    const deployment = await getObject<KubeObject & { spec: { replicas: number } }>(
      cluster.client,
      'apps/v1',
      'Deployment',
      'projectcontour',
      'contour',
    );
    assert.equal(deployment?.spec.replicas, 2);
  });
});
