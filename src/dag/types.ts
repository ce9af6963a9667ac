// The DAG: what the build stage produces and the translate stage consumes.
// Plain, serializable data (it is golden-tested as JSON): no classes, no Maps, no functions.
// Every array is sorted deterministically by the builder; translate never re-sorts routes.
import type { ObjectRef } from '../apis/meta.js';

/** The whole routing configuration for one build. */
export interface Dag {
  /** Virtual hosts served on the plaintext listener (ingress_http), sorted by fqdn. */
  httpVirtualHosts: VirtualHost[];
  /** Virtual hosts served on the TLS listener (ingress_https), sorted by fqdn. */
  httpsVirtualHosts: SecureVirtualHost[];
  /** Every upstream cluster any route, mirror or TCP proxy uses, sorted by name, unique. */
  clusters: Cluster[];
  /** Every TLS secret a secure virtual host or cluster uses, sorted by name, unique. */
  secrets: TlsSecret[];
}

export interface VirtualHost {
  /** The host name, possibly a wildcard like `*.example.com`. */
  fqdn: string;
  /** Routes in match order (Contour's sorter order). */
  routes: Route[];
  /** The object (HTTPProxy or Ingress) that is the root of this virtual host. */
  source: ObjectRef;
}

export type TlsVersion = '1.2' | '1.3';

export interface SecureVirtualHost extends VirtualHost {
  /** Envoy name of the serving certificate (a TlsSecret.name); absent for passthrough. */
  secret?: string;
  minTlsVersion: TlsVersion;
  maxTlsVersion: TlsVersion;
  /**
   * Envoy name of Contour's fallback certificate (a TlsSecret.name) when the host enabled it: the host is
   * then also served to clients without SNI, through the `ingress_fallbackcert` route configuration.
   */
  fallbackSecret?: string;
  /** TCP proxying after TLS: with `passthrough` the connection is not terminated (SNI routing). */
  tcpProxy?: TcpProxy;
}

export interface TcpProxy {
  passthrough: boolean;
  clusters: WeightedCluster[];
}

export type PathMatch =
  | {
      kind: 'prefix';
      value: string;
      /** true: whole path segments only (Ingress `Prefix`); false: plain string prefix (HTTPProxy, as Contour). */
      segment: boolean;
    }
  | { kind: 'exact'; value: string }
  | { kind: 'regex'; value: string };

export interface HeaderMatch {
  name: string;
  kind: 'present' | 'exact' | 'contains' | 'regex';
  value?: string;
  /** notpresent / notexact / notcontains */
  invert: boolean;
  ignoreCase: boolean;
  treatMissingAsEmpty: boolean;
}

export interface QueryParamMatch {
  name: string;
  kind: 'exact' | 'prefix' | 'suffix' | 'regex' | 'contains' | 'present';
  value?: string;
  ignoreCase: boolean;
}

export interface RouteMatch {
  path: PathMatch;
  headers: HeaderMatch[];
  queryParams: QueryParamMatch[];
}

export interface HeadersPolicy {
  /** Headers set (replacing any existing value), sorted by name. */
  set: { name: string; value: string }[];
  /** Header names removed, sorted. */
  remove: string[];
  /** Rewrite of the Host header (request policies only). */
  hostRewrite?: string;
  /** Rewrite the Host header from this request header (`Host: "%REQ(X-Target)%"`; request policies only). */
  hostRewriteHeader?: string;
}

export interface WeightedCluster {
  /** A Cluster.name. */
  cluster: string;
  /** Relative weight; the builder turns "all zero or omitted" into 1 each (equal split). */
  weight: number;
  requestHeaders?: HeadersPolicy;
  responseHeaders?: HeadersPolicy;
}

export interface RetryPolicy {
  retryOn: string[];
  numRetries: number;
  /** ms; absent = Envoy default */
  perTryTimeoutMs?: number;
  retriableStatusCodes: number[];
}

export interface TimeoutPolicy {
  /** ms; 0 = disabled (infinity); absent = Envoy default */
  responseMs?: number;
  /** ms; 0 = disabled; absent = Envoy default */
  idleMs?: number;
}

export type RouteAction =
  | { kind: 'cluster'; clusters: WeightedCluster[] }
  | {
      kind: 'redirect';
      scheme?: 'http' | 'https';
      hostname?: string;
      port?: number;
      path?: string;
      prefix?: string;
      statusCode: 301 | 302 | 303 | 307 | 308;
    }
  | { kind: 'directResponse'; statusCode: number; body?: string };

export interface Route {
  match: RouteMatch;
  action: RouteAction;
  /** On the plaintext listener: answer 301 to https instead of `action`. */
  httpsRedirect: boolean;
  websocket: boolean;
  timeout?: TimeoutPolicy;
  retry?: RetryPolicy;
  requestHeaders?: HeadersPolicy;
  responseHeaders?: HeadersPolicy;
  /** Replace the matched prefix with this value. */
  prefixRewrite?: string;
  mirrors: WeightedCluster[];
  /** The object that contributed this route (the leaf of an include chain). */
  source: ObjectRef;
}

export type UpstreamProtocol = 'h2' | 'h2c' | 'tls';

export interface Cluster {
  /** Envoy cluster name: `namespace/service/port/<short hash of settings>`. */
  name: string;
  /** EDS service name: `namespace/service/portname` (port number when the port has no name). */
  edsName: string;
  service: { namespace: string; name: string; port: number; portName?: string };
  protocol?: UpstreamProtocol;
  /** For ExternalName Services: the DNS name (STRICT_DNS cluster instead of EDS). */
  externalName?: string;
  /** SNI to send upstream for `tls`/`h2` protocols. */
  sni?: string;
  /** Validate the upstream certificate with this CA (a TlsSecret.name) and subject name. */
  upstreamValidation?: { caSecret: string; subjectName: string };
  loadBalancerPolicy?: 'RoundRobin' | 'WeightedLeastRequest' | 'Random' | 'RequestHash' | 'Cookie';
  /** Requests per upstream connection (Contour's `cluster.max-requests-per-connection`; HTTP clusters). */
  maxRequestsPerConnection?: number;
  /** Soft limit of a connection's buffers (`cluster.per-connection-buffer-limit-bytes`; HTTP clusters). */
  perConnectionBufferLimitBytes?: number;
  /** Circuit breaker thresholds: the Service's annotations, each else `cluster.circuit-breakers`. */
  circuitBreakers?: CircuitBreakers;
  /** The client certificate Envoy presents to TLS backends (a TlsSecret.name; `tls.envoy-client-certificate`). */
  clientCertificate?: string;
}

/** Circuit breaker thresholds of a cluster; only positive values are present. */
export interface CircuitBreakers {
  maxConnections?: number;
  maxPendingRequests?: number;
  maxRequests?: number;
  maxRetries?: number;
  perHostMaxConnections?: number;
}

export interface TlsSecret {
  /** Envoy secret name: `namespace/name/<short hash of content>`. */
  name: string;
  source: { namespace: string; name: string };
  /** PEM */
  certificateChain?: string;
  /** PEM */
  privateKey?: string;
  /** PEM, for CA secrets used in validation */
  caCertificate?: string;
}
