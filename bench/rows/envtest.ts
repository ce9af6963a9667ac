// A fresh envtest API server (../shared/envtest, via the Kubernetes tests' harness) loaded with
// objects of the scale set, for the cold-kube and status rows.
import type { KubeObject } from '../../src/apis/meta.js';
import type { KubeClient } from '../../src/sources/kubernetes/client.js';
import type { ScaleSet } from '../scale-set.js';

export interface LoadedCluster {
  kubeconfig: string;
  client: KubeClient;
  stop(): Promise<void>;
}

/** Starts an API server and loads `set` into it (CRDs, namespaces, objects). */
export const startLoadedCluster = async (
  set: ScaleSet,
  log: (message: string) => void,
): Promise<LoadedCluster> => {
  const { startTestCluster } = await import('../../test/kube/harness.js');
  const { loadIntoKubernetes } = await import('../kube-load.js');
  const cluster = await startTestCluster();
  try {
    await loadIntoKubernetes(cluster.client, set, {
      concurrency: 16,
      onProgress: (done, total) => log(`envtest: loaded ${done}/${total}`),
    });
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return { kubeconfig: cluster.kubeconfig, client: cluster.client, stop: () => cluster.stop() };
};

/** Every HTTPProxy in the API server, as listed (resourceVersion and status included). */
export const listHttpProxies = async (client: KubeClient): Promise<KubeObject[]> =>
  (
    await client.request<{ items: KubeObject[] }>({
      method: 'GET',
      path: '/apis/projectcontour.io/v1/httpproxies',
    })
  ).items;
