// Envoy-visible names: listeners, route configurations, filters. Dashboards key on these, so they
// follow Contour's names exactly.
import { createHash } from 'node:crypto';

export const httpListenerName = 'ingress_http';
export const httpsListenerName = 'ingress_https';
export const statsListenerName = 'stats-health';
export const adminListenerName = 'envoy-admin';
export const omEnforcedHealthListenerName = 'health-om-enforced';
/** The cluster (defined in the bootstrap) that reaches Envoy's own admin interface. */
export const adminClusterName = 'envoy-admin';

/** Route configuration used by the plaintext listener. */
export const httpRouteConfigName = httpListenerName;

/** Route configuration of one TLS virtual host: `https/<fqdn>`. */
export const httpsRouteConfigName = (fqdn: string): string => `https/${fqdn}`;

/** Route configuration of the fallback certificate's filter chain: every host that enabled it (Contour's name). */
export const fallbackRouteConfigName = 'ingress_fallbackcert';

/** The TLS listener's filter chain for clients without (or with an unknown) SNI, with the fallback certificate. */
export const fallbackFilterChainName = 'fallback-certificate';

export const wellKnown = {
  httpConnectionManager: 'envoy.filters.network.http_connection_manager',
  tcpProxy: 'envoy.filters.network.tcp_proxy',
  tlsInspector: 'envoy.filters.listener.tls_inspector',
  proxyProtocol: 'envoy.filters.listener.proxy_protocol',
  tlsTransportSocket: 'envoy.transport_sockets.tls',
  fileAccessLog: 'envoy.access_loggers.file',
  compressor: 'envoy.filters.http.compressor',
  grpcWeb: 'envoy.filters.http.grpc_web',
  grpcStats: 'envoy.filters.http.grpc_stats',
  cors: 'envoy.filters.http.cors',
  localRateLimit: 'envoy.filters.http.local_ratelimit',
  lua: 'envoy.filters.http.lua',
  rbac: 'envoy.filters.http.rbac',
  router: 'router',
  envoyRouter: 'envoy.filters.http.router',
  httpProtocolOptions: 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
} as const;

const shortHashLength = 6;

/**
 * Joins `parts` with "/" and, when the result is not shorter than `maxLength`, shortens parts from
 * the last one backwards, each to an equal share of `maxLength` ending in a short hash of the whole;
 * if that is still too long, returns the hash itself. Same scheme as Contour's hashed names, so
 * names stay identical across the two implementations.
 */
export const hashName = (maxLength: number, ...parts: string[]): string => {
  let joined = parts.join('/');
  if (maxLength > joined.length) return joined;
  const hash = createHash('sha256').update(joined).digest('hex');
  const share = Math.floor(maxLength / parts.length);
  const shortened = [...parts];
  for (let index = shortened.length - 1; index >= 0; index--) {
    shortened[index] = shortenWithSuffix(share, shortened[index], hash.slice(0, shortHashLength));
    joined = shortened.join('/');
    if (maxLength > joined.length) return joined;
  }
  return hash.slice(0, maxLength);
};

const shortenWithSuffix = (length: number, text: string, suffix: string): string => {
  if (length >= text.length) return text;
  if (length <= suffix.length) return suffix.slice(0, length);
  return `${text.slice(0, length - suffix.length - 1)}-${suffix}`;
};

/** Envoy's name for a virtual host (Contour hashes long host names down to 60 characters). */
export const virtualHostName = (fqdn: string): string => hashName(60, fqdn);
