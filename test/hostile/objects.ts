// Small well-formed objects the hostile-input and fuzz tests build on.
import type { KubeObject } from '../../src/apis/meta.js';

/** A Service `namespace/name` with one port. */
export const service = (name: string, port = 80, namespace = 'default'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace, name },
  spec: { ports: [{ name: 'http', port, protocol: 'TCP' }] },
});

/** An EndpointSlice of Service `serviceName` with the given IPv4 addresses on port 8080. */
export const endpointSlice = (
  name: string,
  serviceName: string,
  addresses: string[],
  fields: Record<string, unknown> = {},
): KubeObject => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { namespace: 'default', name, labels: { 'kubernetes.io/service-name': serviceName } },
  addressType: 'IPv4',
  endpoints: addresses.map((address) => ({ addresses: [address], conditions: { ready: true } })),
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  ...fields,
});

/** A root HTTPProxy for `fqdn` routing everything to Service `serviceName` port 80. */
export const rootProxy = (
  name: string,
  fqdn: string,
  serviceName: string,
  spec: Record<string, unknown> = {},
) =>
  ({
    apiVersion: 'projectcontour.io/v1',
    kind: 'HTTPProxy',
    metadata: { namespace: 'default', name },
    spec: { virtualhost: { fqdn }, routes: [{ services: [{ name: serviceName, port: 80 }] }], ...spec },
  }) satisfies KubeObject;
