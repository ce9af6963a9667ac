// Loading a scale set into a Kubernetes API server (the cold-kube and status rows, and generate.ts).
import type { KubeObject } from '../src/apis/meta.js';
import { contourCrdSchemas } from '../src/apis/crd-schema.js';
import { isApiStatus, type KubeClient } from '../src/sources/kubernetes/client.js';
import { allObjects, type ScaleSet } from './scale-set.js';

/** The CustomResourceDefinitions of the projectcontour.io kinds, for servers that lack them. */
export const contourCrds = (): KubeObject[] =>
  Object.entries(contourCrdSchemas()).map(([kind, crd]) => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${crd.plural}.${crd.group}` },
    spec: {
      group: crd.group,
      scope: 'Namespaced',
      names: { kind, plural: crd.plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [
        {
          name: crd.version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: crd.schema },
          subresources: { status: {} },
        },
      ],
    },
  }));

const restPaths: Record<string, { group: string; plural: string }> = {
  Namespace: { group: 'api/v1', plural: 'namespaces' },
  Secret: { group: 'api/v1', plural: 'secrets' },
  Service: { group: 'api/v1', plural: 'services' },
  EndpointSlice: { group: 'apis/discovery.k8s.io/v1', plural: 'endpointslices' },
  HTTPProxy: { group: 'apis/projectcontour.io/v1', plural: 'httpproxies' },
  CustomResourceDefinition: { group: 'apis/apiextensions.k8s.io/v1', plural: 'customresourcedefinitions' },
};

/** The collection path of an object's kind; EndpointSlices use `discoveryVersion`. */
const collectionPath = (object: KubeObject, discoveryVersion: string): string => {
  const rest = restPaths[object.kind];
  if (!rest) throw new Error(`the bench cannot load kind ${object.kind}`);
  const group = object.kind === 'EndpointSlice' ? `apis/discovery.k8s.io/${discoveryVersion}` : rest.group;
  const scope = object.metadata.namespace ? `/namespaces/${object.metadata.namespace}` : '';
  return `/${group}${scope}/${rest.plural}`;
};

/** Creates an object; an existing one is replaced. */
const createOrReplace = async (
  client: KubeClient,
  object: KubeObject,
  discoveryVersion: string,
): Promise<void> => {
  const path = collectionPath(object, discoveryVersion);
  const body =
    object.kind === 'EndpointSlice'
      ? { ...object, apiVersion: `discovery.k8s.io/${discoveryVersion}` }
      : object;
  try {
    await client.request({ method: 'POST', path, body });
    return;
  } catch (error) {
    if (!isApiStatus(error, 409)) throw error;
  }
  const current = await client.request<KubeObject>({
    method: 'GET',
    path: `${path}/${object.metadata.name}`,
  });
  const replacement = {
    ...body,
    metadata: { ...object.metadata, resourceVersion: current.metadata.resourceVersion },
  };
  if (object.kind === 'Service') {
    // The server allocated the cluster IP; a replace may not unset it.
    replacement.spec = {
      ...(object.spec as object),
      clusterIP: (current.spec as { clusterIP?: string }).clusterIP,
    };
  }
  await client.request({ method: 'PUT', path: `${path}/${object.metadata.name}`, body: replacement });
};

/** Whether the server serves discovery.k8s.io/v1 (1.21+); 1.20 has only v1beta1. */
const discoveryVersionOf = async (client: KubeClient): Promise<string> => {
  try {
    await client.request({ method: 'GET', path: '/apis/discovery.k8s.io/v1' });
    return 'v1';
  } catch (error) {
    if (isApiStatus(error, 404)) return 'v1beta1';
    throw error;
  }
};

/** Runs `work` over `items` with at most `concurrency` in flight. */
const inParallel = async <T>(
  items: T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> => {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
};

/** Loads the CRDs, namespaces and every object of the set into the API server behind `client`. */
export const loadIntoKubernetes = async (
  client: KubeClient,
  set: ScaleSet,
  options: { concurrency?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<void> => {
  for (const crd of contourCrds()) await createOrReplace(client, crd, 'v1');
  // A CRD is served shortly after it is created; wait until the HTTPProxy collection answers.
  for (let attempt = 0; ; attempt++) {
    try {
      await client.request({
        method: 'GET',
        path: '/apis/projectcontour.io/v1/httpproxies',
        query: { limit: 1 },
      });
      break;
    } catch (error) {
      if (attempt > 100) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const discoveryVersion = await discoveryVersionOf(client);
  for (const namespace of set.namespaces) {
    await createOrReplace(
      client,
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
      'v1',
    );
  }
  const objects = allObjects(set);
  let done = 0;
  await inParallel(objects, options.concurrency ?? 16, async (object) => {
    await createOrReplace(client, object, discoveryVersion);
    done += 1;
    if (done % 1000 === 0 || done === objects.length) options.onProgress?.(done, objects.length);
  });
};
