// A fresh envtest API server (scripts/envtest, through its harness) loaded with
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
  const { startTestCluster } = await import('../../scripts/envtest/harness.js');
  const { loadIntoKubernetes } = await import('../kube-load.js');
  // envtest's default Service range (/24) holds 254 ClusterIPs; the scale set has one Service per
  // proxy. A /16 (the later flag wins) leaves room for every size the bench runs.
  const extra = process.env.KUBE_ENVTEST_APISERVER_ARGS ?? '';
  process.env.KUBE_ENVTEST_APISERVER_ARGS = `${extra} --service-cluster-ip-range=10.96.0.0/16`.trim();
  const cluster = await startTestCluster().finally(() => {
    if (extra) process.env.KUBE_ENVTEST_APISERVER_ARGS = extra;
    else delete process.env.KUBE_ENVTEST_APISERVER_ARGS;
  });
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
