// Test fixtures for the Ingress processor: object builders, two real self-signed certificates (EC P-256,
// CN one/two.example.com, SAN *.example.com, valid for 100 years), and a build over a real store.
import { createBuildMemo } from '../../../src/dag/build-memo.js';
import type { Ingress, IngressBackend, Service, ServicePort } from '../../../src/apis/kubernetes.js';
import type { KubeObject } from '../../../src/apis/meta.js';
import { createDagAccumulator } from '../../../src/dag/accumulator.js';
import { defaultBuildOptions } from '../../../src/dag/build.js';
import type { BuildOptions } from '../../../src/dag/context.js';
import { processIngresses } from '../../../src/dag/ingress/processor.js';
import { createSecretResolver } from '../../../src/dag/secrets.js';
import { createStatusRecorder } from '../../../src/dag/status.js';
import type { Dag } from '../../../src/dag/types.js';
import type { ObjectStatus } from '../../../src/apis/status.js';
import { createStore } from '../../../src/store/store.js';

export const certificateOne = `-----BEGIN CERTIFICATE-----
MIIBtjCCAVygAwIBAgIUCfzCPSc58Kgr+6xbQFa1QA+rPecwCgYIKoZIzj0EAwIw
GjEYMBYGA1UEAwwPb25lLmV4YW1wbGUuY29tMCAXDTI2MTEyNjAzNDMyN1oYDzIx
MjYxMTAyMDM0MzI3WjAaMRgwFgYDVQQDDA9vbmUuZXhhbXBsZS5jb20wWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAAQoZ5JYkmiRGg37Nly6qS+Q9rYJyYQVLH411bmi
PoLp0wWwYD0Bmxpxe2gVTf02nloUnd0xpeKCFG4xkI2K+24po34wfDAdBgNVHQ4E
FgQU/Ombbv9l+pWw17nIBnMYtUoyQk0wHwYDVR0jBBgwFoAU/Ombbv9l+pWw17nI
BnMYtUoyQk0wDwYDVR0TAQH/BAUwAwEB/zApBgNVHREEIjAggg9vbmUuZXhhbXBs
ZS5jb22CDSouZXhhbXBsZS5jb20wCgYIKoZIzj0EAwIDSAAwRQIgWivQaKqaZC4C
0ACuZYCXuywSqBd+0daMqNNuDzqf56UCIQC3TBmfXkMMtIVS7pt76hvprhXR0Y78
xxlQP/zP28dINA==
-----END CERTIFICATE-----
`;
export const keyOne = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgO4PAx+IDuY29bIVS
tT11E+HO1jYoEizoZCDFfxIBWQWhRANCAAQoZ5JYkmiRGg37Nly6qS+Q9rYJyYQV
LH411bmiPoLp0wWwYD0Bmxpxe2gVTf02nloUnd0xpeKCFG4xkI2K+24p
-----END PRIVATE KEY-----
`;
export const certificateTwo = `-----BEGIN CERTIFICATE-----
MIIBtTCCAVygAwIBAgIUNr6DsiZz6REcgdZfk0/3dbHAiUMwCgYIKoZIzj0EAwIw
GjEYMBYGA1UEAwwPdHdvLmV4YW1wbGUuY29tMCAXDTI2MTEyNjAzNDMyN1oYDzIx
MjYxMTAyMDM0MzI3WjAaMRgwFgYDVQQDDA90d28uZXhhbXBsZS5jb20wWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAARX7B9uK6YRbUCK8KqXY8J+KcRujggALNVtfdrS
u5I18R8E+2YKe43r0A9ORFUkJUbGHYhLGqhh4WVyEnlLdlnLo34wfDAdBgNVHQ4E
FgQU9mkPT6EOvoMaqyCz8nkj5i+qxOUwHwYDVR0jBBgwFoAU9mkPT6EOvoMaqyCz
8nkj5i+qxOUwDwYDVR0TAQH/BAUwAwEB/zApBgNVHREEIjAggg90d28uZXhhbXBs
ZS5jb22CDSouZXhhbXBsZS5jb20wCgYIKoZIzj0EAwIDRwAwRAIgbwVp67f7NnPW
sgCw0SPHUcgYVNE/N6VT9bhOkBbtbWoCIEE6BJIeR4Sx7iT43K/OdbZ0sKytdrN7
BtD1e3olAC2E
-----END CERTIFICATE-----
`;
export const keyTwo = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgrkMnkcE904CBgim1
LUlFreZx/YbIHODp5jHIg2ICQ5ShRANCAARX7B9uK6YRbUCK8KqXY8J+KcRujggA
LNVtfdrSu5I18R8E+2YKe43r0A9ORFUkJUbGHYhLGqhh4WVyEnlLdlnL
-----END PRIVATE KEY-----
`;

/** A kubernetes.io/tls Secret with certificate one (or two). */
export const tlsSecret = (namespace: string, name: string, which: 'one' | 'two' = 'one'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { namespace, name },
  type: 'kubernetes.io/tls',
  stringData: {
    'tls.crt': which === 'one' ? certificateOne : certificateTwo,
    'tls.key': which === 'one' ? keyOne : keyTwo,
  },
});

/** A ClusterIP Service with the given ports (default: one port 80 named http). */
export const service = (
  namespace: string,
  name: string,
  ports: ServicePort[] = [{ name: 'http', port: 80, protocol: 'TCP' }],
  annotations?: Record<string, string>,
): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace, name, ...(annotations ? { annotations } : {}) },
  spec: { type: 'ClusterIP', ports },
});

/** An Ingress with the given spec and annotations. */
export const ingress = (
  namespace: string,
  name: string,
  spec: Ingress['spec'],
  annotations?: Record<string, string>,
): Ingress => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { namespace, name, ...(annotations ? { annotations } : {}) },
  spec,
});

/** A Service backend by port number or name. */
export const backend = (name: string, port: number | string): IngressBackend => ({
  service: { name, port: typeof port === 'number' ? { number: port } : { name: port } },
});

/** A one-rule Ingress spec: host, and paths as [path, pathType, backend]. */
export const rule = (
  host: string | undefined,
  paths: [string | undefined, 'Prefix' | 'Exact' | 'ImplementationSpecific', IngressBackend][],
): NonNullable<Ingress['spec']['rules']>[number] => ({
  ...(host !== undefined ? { host } : {}),
  http: {
    paths: paths.map(([path, pathType, target]) => ({
      ...(path !== undefined ? { path } : {}),
      pathType,
      backend: target,
    })),
  },
});

/** One error or warning from an Ingress's status entry, flattened for assertions. */
export interface Problem {
  ingress: { namespace: string; name: string };
  level: 'error' | 'warning';
  type: string;
  reason: string;
  /** The object field the message starts with (`spec.…: `), or ''. */
  field: string;
  message: string;
}

const problemsOf = (statuses: ObjectStatus[]): Problem[] =>
  statuses.flatMap((status) =>
    status.conditions.flatMap((condition) =>
      (['errors', 'warnings'] as const).flatMap((list) =>
        (condition[list] ?? []).map((entry) => ({
          ingress: { namespace: status.namespace, name: status.name },
          level: list === 'errors' ? ('error' as const) : ('warning' as const),
          type: entry.type,
          reason: entry.reason,
          field: /^spec\.[^:]*: /.test(entry.message)
            ? entry.message.slice(0, entry.message.indexOf(': '))
            : '',
          message: entry.message,
        })),
      ),
    ),
  );

/** Runs the Ingress processor alone over a real store holding `objects`. */
export const buildIngresses = (
  objects: KubeObject[],
  options: Partial<BuildOptions> = {},
): { dag: Dag; statuses: ObjectStatus[]; diagnostics: Problem[] } => {
  const store = createStore();
  for (const object of objects) store.apply({ type: 'upsert', object });
  const dag = createDagAccumulator();
  const status = createStatusRecorder();
  processIngresses({
    store,
    options: { ...defaultBuildOptions, ...options },
    dag,
    status,
    secrets: createSecretResolver(store),
    memo: createBuildMemo(),
  });
  const statuses = status.statuses();
  return { dag: dag.finish(), statuses, diagnostics: problemsOf(statuses) };
};
