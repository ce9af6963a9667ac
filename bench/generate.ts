// `bench/generate.ts`: writes the scale set as a manifests directory and/or loads it into a
// Kubernetes API server.
//   node --import tsx bench/generate.ts --size 10000 --seed 1 --out bench/out/10000 [--kubeconfig FILE]
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import type { KubeObject } from '../src/apis/meta.js';
import { allObjects, generateScaleSet, type ScaleSet } from './scale-set.js';

export { generateScaleSet, allObjects, type ScaleSet } from './scale-set.js';

/** Writes one YAML file per kind and namespace under `directory` (replacing its contents). */
export const writeManifests = (set: ScaleSet, directory: string): string[] => {
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  const groups = new Map<string, KubeObject[]>();
  for (const object of allObjects(set)) {
    const file = `${object.metadata.namespace}-${object.kind.toLowerCase()}.yaml`;
    const group = groups.get(file);
    if (group) group.push(object);
    else groups.set(file, [object]);
  }
  const files: string[] = [];
  for (const [file, objects] of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const path = join(directory, file);
    // One document per object, as `kubectl get -o yaml` users would write them.
    writeFileSync(
      path,
      objects
        .map((object) => stringify(object, { lineWidth: 0, aliasDuplicateObjects: false }))
        .join('---\n'),
    );
    files.push(path);
  }
  return files;
};

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '10000' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string' },
      kubeconfig: { type: 'string' },
    },
  });
  const set = generateScaleSet({ size: Number(values.size), seed: Number(values.seed) });
  if (!values.out && !values.kubeconfig) throw new Error('give --out DIR and/or --kubeconfig FILE');
  if (values.out) {
    const files = writeManifests(set, resolve(values.out));
    process.stdout.write(
      `wrote ${allObjects(set).length} objects in ${files.length} files to ${values.out}\n`,
    );
  }
  if (values.kubeconfig) {
    // Imported only here: the Kubernetes client takes seconds to load and plain generation needs none of it.
    const { createKubeClient, loadKubeConfig } = await import('../src/sources/kubernetes/client.js');
    const { loadIntoKubernetes } = await import('./kube-load.js');
    const client = createKubeClient(loadKubeConfig({ kubeconfig: values.kubeconfig }));
    await loadIntoKubernetes(client, set, {
      onProgress: (done, total) => process.stdout.write(`loaded ${done}/${total}\n`),
    });
  }
};

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: Error) => {
    process.stderr.write(`generate: ${error.message}\n`);
    process.exit(1);
  });
}
