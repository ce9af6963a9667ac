// Functions the pattern tests run in a worker thread (see test/helpers/deadline.ts).
import { httpProxySpecSchema } from '../../src/apis/httpproxy.js';
import type { KubeObject } from '../../src/apis/meta.js';
import { buildDag, defaultBuildOptions } from '../../src/dag/build.js';
import { ingressPathMatch } from '../../src/dag/ingress/paths.js';
import { createStore } from '../../src/store/store.js';

/** Whether an HTTPProxy spec passes the CRD schema. */
export const proxySpecAccepted = (spec: unknown): boolean => httpProxySpecSchema.safeParse(spec).success;

/** The DAG match of an Ingress `Prefix` path. */
export const ingressPrefix = (path: string): ReturnType<typeof ingressPathMatch> =>
  ingressPathMatch(path, 'Prefix');

/** The prefix rewrites of a root proxy whose one route `/app` rewrites its prefix to `replacement`. */
export const proxyPrefixRewrites = (replacement: string): string[] => {
  const store = createStore();
  const objects: KubeObject[] = [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { namespace: 'default', name: 'web' },
      spec: { ports: [{ port: 80 }] },
    },
    {
      apiVersion: 'projectcontour.io/v1',
      kind: 'HTTPProxy',
      metadata: { namespace: 'default', name: 'root' },
      spec: {
        virtualhost: { fqdn: 'a.example.com' },
        routes: [
          {
            conditions: [{ prefix: '/app' }],
            services: [{ name: 'web', port: 80 }],
            pathRewritePolicy: { replacePrefix: [{ replacement }] },
          },
        ],
      },
    },
  ];
  for (const object of objects) store.apply({ type: 'upsert', object });
  const { dag } = buildDag(store, defaultBuildOptions);
  return dag.httpVirtualHosts
    .flatMap((host) => host.routes)
    .map((route) => route.prefixRewrite ?? '')
    .sort();
};
