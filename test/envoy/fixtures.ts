// Hand-built DAG pieces for translation tests (independent of the DAG builder).
import type { Message } from '@bufbuild/protobuf';
import type { JsonValue } from '@bufbuild/protobuf';
import type {
  Cluster,
  Dag,
  Route,
  RouteAction,
  RouteMatch,
  SecureVirtualHost,
  TlsSecret,
  VirtualHost,
} from '../../src/dag/types.js';
import { resourceToJson } from '../../src/envoy/canonical-json.js';
import { createStore, type Store } from '../../src/store/store.js';
import type { EndpointSlice } from '../../src/apis/kubernetes.js';

export const proxySource = { kind: 'HTTPProxy', namespace: 'default', name: 'proxy' };

/** A cluster for Service `namespace/name` port `port`. */
export const cluster = (
  name: string,
  port = 80,
  extra: Partial<Cluster> = {},
  namespace = 'default',
): Cluster => ({
  name: `${namespace}/${name}/${port}/da39a3ee5e`,
  edsName: `${namespace}/${name}`,
  service: { namespace, name, port },
  ...extra,
});

export const prefixMatch = (value: string, segment = true): RouteMatch => ({
  path: { kind: 'prefix', value, segment },
  headers: [],
  queryParams: [],
});

/** A route forwarding to `clusters` (names, weight 1 each unless given). */
export const route = (match: RouteMatch, action: RouteAction, extra: Partial<Route> = {}): Route => ({
  match,
  action,
  httpsRedirect: false,
  websocket: false,
  mirrors: [],
  source: proxySource,
  ...extra,
});

export const forward = (...clusters: Cluster[]): RouteAction => ({
  kind: 'cluster',
  clusters: clusters.map((c) => ({ cluster: c.name, weight: 0 })),
});

export const virtualHost = (fqdn: string, routes: Route[]): VirtualHost => ({
  fqdn,
  routes,
  source: proxySource,
});

export const secureVirtualHost = (
  fqdn: string,
  routes: Route[],
  extra: Partial<SecureVirtualHost> = {},
): SecureVirtualHost => ({
  fqdn,
  routes,
  source: proxySource,
  secret: `default/${fqdn}-tls/0123456789`,
  minTlsVersion: '1.2',
  maxTlsVersion: '1.3',
  ...extra,
});

export const tlsSecret = (name: string): TlsSecret => ({
  name,
  source: { namespace: 'default', name: name.split('/')[1] ?? name },
  certificateChain: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  privateKey: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n',
});

export const emptyDag = (): Dag => ({
  httpVirtualHosts: [],
  httpsVirtualHosts: [],
  clusters: [],
  secrets: [],
});

/** A store holding the given EndpointSlices. */
export const storeWith = (...slices: EndpointSlice[]): Store => {
  const store = createStore();
  for (const slice of slices) store.apply({ type: 'upsert', object: slice });
  return store;
};

/** An EndpointSlice of Service `service`. */
export const endpointSlice = (
  name: string,
  service: string,
  endpoints: EndpointSlice['endpoints'],
  ports: EndpointSlice['ports'],
  extra: Partial<EndpointSlice> = {},
): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  endpoints,
  ports,
  ...extra,
});

/** A message as canonical JSON, for structural assertions. */
export const json = (message: Message): Record<string, JsonValue> =>
  resourceToJson(message) as Record<string, JsonValue>;

/** Follows a path of keys/indexes into JSON, failing loudly when a step is missing. */
export const at = (value: JsonValue | undefined, ...path: (string | number)[]): JsonValue => {
  let current: JsonValue | undefined = value;
  for (const step of path) {
    if (current === null || typeof current !== 'object')
      throw new Error(`no ${String(step)} in ${JSON.stringify(current)}`);
    current = (current as Record<string | number, JsonValue>)[step];
    if (current === undefined) throw new Error(`missing ${String(step)} along ${path.join('.')}`);
  }
  return current as JsonValue;
};
