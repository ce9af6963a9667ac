// The ingress listeners: ingress_http (plaintext) and ingress_https (one filter chain per SNI).
import { create } from '@bufbuild/protobuf';
import { ListenerSchema, type Listener } from '../gen/envoy/config/listener/v3/listener_pb.js';
import {
  FilterChainSchema,
  type FilterChain,
} from '../gen/envoy/config/listener/v3/listener_components_pb.js';
import { ProxyProtocolSchema } from '../gen/envoy/extensions/filters/listener/proxy_protocol/v3/proxy_protocol_pb.js';
import { TlsInspectorSchema } from '../gen/envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector_pb.js';
import type { HttpFilter } from '../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import type { SecureVirtualHost, TlsVersion, VirtualHost } from '../dag/types.js';
import { fileAccessLogs } from './access-log.js';
import { socketAddress, tcpKeepaliveOptions, trafficMarkingOptions } from './address.js';
import { defaultHttpFilters, misdirectedRequestFilter } from './http-filters.js';
import { httpConnectionManagerFilter } from './http-connection-manager.js';
import {
  fallbackFilterChainName,
  fallbackRouteConfigName,
  httpListenerName,
  httpRouteConfigName,
  httpsListenerName,
  httpsRouteConfigName,
  wellKnown,
} from './names.js';
import type { ResolvedTranslateOptions } from './options.js';
import { compareStrings, packAny } from './proto-util.js';
import { tcpProxyFilter } from './tcp-proxy.js';
import { downstreamTlsContext, tlsTransportSocket } from './tls-context.js';

/** The codec for the HTTP versions served: one version alone fixes it, otherwise Envoy detects it. */
const codecFor = (options: ResolvedTranslateOptions): 'auto' | 'http1' | 'http2' => {
  const versions = new Set(options.httpVersions);
  if (versions.size !== 1) return 'auto';
  return versions.has('HTTP/2') ? 'http2' : 'http1';
};

/** ALPN offered by TLS listeners terminating HTTP, in preference order: h2, then http/1.1. */
const alpnFor = (options: ResolvedTranslateOptions): string[] => {
  const versions = new Set(options.httpVersions);
  if (versions.size === 0) return ['h2', 'http/1.1'];
  return [...(versions.has('HTTP/2') ? ['h2'] : []), ...(versions.has('HTTP/1.1') ? ['http/1.1'] : [])];
};

const connectionManager = (
  options: ResolvedTranslateOptions,
  routeConfigName: string,
  statPrefix: string,
  httpFilters: HttpFilter[],
  accessLogPath: string,
  codec = codecFor(options),
) =>
  httpConnectionManagerFilter({
    routeConfigName,
    statPrefix,
    httpFilters,
    accessLogs: fileAccessLogs(accessLogPath, options.accessLogFormat),
    mergeSlashes: options.mergeSlashes,
    allowChunkedLength: options.allowChunkedLength,
    xffNumTrustedHops: options.xffNumTrustedHops,
    requestTimeoutMs: options.requestTimeoutMs,
    connectionIdleTimeoutMs: options.connectionIdleTimeoutMs,
    streamIdleTimeoutMs: options.streamIdleTimeoutMs,
    maxConnectionDurationMs: options.maxConnectionDurationMs,
    delayedCloseTimeoutMs: options.delayedCloseTimeoutMs,
    drainTimeoutMs: options.connectionShutdownGracePeriodMs,
    serverHeaderTransformation: options.serverHeaderTransformation,
    stripTrailingHostDot: options.stripTrailingHostDot,
    maxRequestsPerConnection: options.listenerLimits.maxRequestsPerConnection,
    http2MaxConcurrentStreams: options.listenerLimits.http2MaxConcurrentStreams,
    codec,
  });

// Contour's listener.* settings on both ingress listeners: keep-alive and traffic marking of the
// listening socket, connection balancer, buffer limit, connections accepted per socket event.
const listenerLimitFields = (options: ResolvedTranslateOptions) => ({
  socketOptions: [
    ...tcpKeepaliveOptions(),
    ...trafficMarkingOptions(options.listenerLimits.tos, options.listenerLimits.trafficClass),
  ],
  perConnectionBufferLimitBytes: options.listenerLimits.perConnectionBufferLimitBytes,
  maxConnectionsToAcceptPerSocketEvent: options.listenerLimits.maxConnectionsToAcceptPerSocketEvent,
  connectionBalanceConfig: options.listenerLimits.exactBalance
    ? { balanceType: { case: 'exactBalance' as const, value: {} } }
    : undefined,
});

// PROXY protocol (--use-proxy-protocol) is read before anything else on the connection.
const proxyProtocolFilters = (options: ResolvedTranslateOptions) =>
  options.useProxyProtocol
    ? [
        {
          name: wellKnown.proxyProtocol,
          configType: { case: 'typedConfig' as const, value: packAny(ProxyProtocolSchema, {}) },
        },
      ]
    : [];

/** The plaintext listener, or none when no virtual host is served over HTTP. */
export const httpListener = (virtualHosts: VirtualHost[], options: ResolvedTranslateOptions): Listener[] => {
  if (virtualHosts.length === 0) return [];
  return [
    create(ListenerSchema, {
      name: httpListenerName,
      address: socketAddress(options.httpAddress, options.httpPort),
      ...listenerLimitFields(options),
      listenerFilters: proxyProtocolFilters(options),
      filterChains: [
        {
          filters: [
            connectionManager(
              options,
              httpRouteConfigName,
              httpListenerName,
              defaultHttpFilters(options.compression),
              options.httpAccessLog,
            ),
          ],
        },
      ],
    }),
  ];
};

const tlsVersionRank = (version: TlsVersion): number => (version === '1.3' ? 13 : 12);

/** The stricter of the Envoy-wide and per-host bounds, as Contour chooses them. */
const effectiveTlsVersions = (
  virtualHost: SecureVirtualHost,
  options: ResolvedTranslateOptions,
): { minVersion: TlsVersion; maxVersion: TlsVersion } => {
  const minVersion =
    tlsVersionRank(virtualHost.minTlsVersion) > tlsVersionRank(options.minTlsVersion)
      ? virtualHost.minTlsVersion
      : options.minTlsVersion;
  const maxVersion =
    tlsVersionRank(virtualHost.maxTlsVersion) < tlsVersionRank(options.maxTlsVersion)
      ? virtualHost.maxTlsVersion
      : options.maxTlsVersion;
  return {
    minVersion,
    maxVersion: tlsVersionRank(maxVersion) < tlsVersionRank(minVersion) ? minVersion : maxVersion,
  };
};

/** Whether a TLS virtual host yields a filter chain (it must either terminate TLS or pass it through). */
export const servesSecureVirtualHost = (virtualHost: SecureVirtualHost): boolean => {
  // A TCP proxy with nowhere to send connections would be rejected by Envoy (and fail the listener).
  if (virtualHost.tcpProxy && virtualHost.tcpProxy.clusters.length === 0) return false;
  return virtualHost.secret !== undefined || virtualHost.tcpProxy?.passthrough === true;
};

/** The filter chain of one TLS virtual host, selected by SNI. */
export const secureFilterChain = (
  virtualHost: SecureVirtualHost,
  options: ResolvedTranslateOptions,
): FilterChain => {
  const tcpProxy = virtualHost.tcpProxy;
  const filters = tcpProxy
    ? [
        tcpProxyFilter(
          httpsListenerName,
          tcpProxy.clusters,
          fileAccessLogs(options.httpsAccessLog, options.accessLogFormat),
        ),
      ]
    : [
        connectionManager(
          options,
          httpsRouteConfigName(virtualHost.fqdn),
          // Every TLS host shares the listener's stat prefix, as dashboards expect.
          httpsListenerName,
          [misdirectedRequestFilter(), ...defaultHttpFilters(options.compression)],
          options.httpsAccessLog,
        ),
      ];
  const terminate = virtualHost.secret !== undefined && !(tcpProxy?.passthrough ?? false);
  return create(FilterChainSchema, {
    // A bare "*" host cannot be matched by SNI: match any TLS connection instead.
    filterChainMatch:
      virtualHost.fqdn === '*' ? { transportProtocol: 'tls' } : { serverNames: [virtualHost.fqdn] },
    filters,
    transportSocket: terminate
      ? tlsTransportSocket(
          downstreamTlsContext({
            secretName: virtualHost.secret ?? '',
            ...effectiveTlsVersions(virtualHost, options),
            cipherSuites: options.cipherSuites,
            ecdhCurves: options.ecdhCurves,
            // TCP proxying leaves protocol negotiation to the backend.
            alpnProtocols: tcpProxy ? [] : alpnFor(options),
          }),
        )
      : undefined,
  });
};

/** The host whose settings the fallback filter chain takes, as Contour: the first (by fqdn) that enabled it. */
export const fallbackHostOf = (virtualHosts: SecureVirtualHost[]): SecureVirtualHost | undefined =>
  virtualHosts.find((virtualHost) => virtualHost.fallbackSecret !== undefined);

/**
 * Contour's fallback certificate chain: any TLS connection no SNI chain matched, served with the fallback
 * certificate at the Envoy-wide TLS versions, routed by `ingress_fallbackcert` (the hosts that enabled it).
 * Unlike a host's chain it has no misdirected-request filter: the hosts it serves are only known to RDS.
 */
export const fallbackFilterChain = (
  virtualHost: SecureVirtualHost,
  options: ResolvedTranslateOptions,
): FilterChain =>
  create(FilterChainSchema, {
    name: fallbackFilterChainName,
    filterChainMatch: { transportProtocol: 'tls' },
    filters: [
      connectionManager(
        options,
        fallbackRouteConfigName,
        httpsListenerName,
        defaultHttpFilters(options.compression),
        options.httpsAccessLog,
        // Contour sets no codec on this connection manager: Envoy's AUTO, whatever default-http-versions says.
        'auto',
      ),
    ],
    transportSocket: tlsTransportSocket(
      downstreamTlsContext({
        secretName: virtualHost.fallbackSecret ?? '',
        minVersion: options.minTlsVersion,
        maxVersion: options.maxTlsVersion,
        cipherSuites: options.cipherSuites,
        ecdhCurves: options.ecdhCurves,
        // The ALPN of the host it was made for (none for a TCP-proxied one), as Contour.
        alpnProtocols: virtualHost.tcpProxy ? [] : alpnFor(options),
      }),
    ),
  });

const filterChainOrder = (a: FilterChain, b: FilterChain): number => {
  const nameA = a.filterChainMatch?.serverNames[0];
  const nameB = b.filterChainMatch?.serverNames[0];
  if (nameA === undefined || nameB === undefined) return nameA === nameB ? 0 : nameA === undefined ? 1 : -1;
  return compareStrings(nameA, nameB);
};

/**
 * The TLS listener, or none when there is no TLS virtual host. With `fallbackHost` (the host whose settings
 * it takes, `fallbackHostOf`; undefined when the fallback cannot be served), the fallback certificate's chain
 * comes last, as chains without server names sort after the others in Contour.
 */
export const httpsListener = (
  virtualHosts: SecureVirtualHost[],
  options: ResolvedTranslateOptions,
  fallbackHost: SecureVirtualHost | undefined,
): Listener[] => {
  const chains = virtualHosts
    .filter(servesSecureVirtualHost)
    .map((virtualHost) => secureFilterChain(virtualHost, options))
    .sort(filterChainOrder);
  if (fallbackHost) chains.push(fallbackFilterChain(fallbackHost, options));
  if (chains.length === 0) return [];
  return [
    create(ListenerSchema, {
      name: httpsListenerName,
      address: socketAddress(options.httpsAddress, options.httpsPort),
      ...listenerLimitFields(options),
      listenerFilters: [
        ...proxyProtocolFilters(options),
        {
          name: wellKnown.tlsInspector,
          configType: {
            case: 'typedConfig' as const,
            // JA3 (tls.fingerprint.ja3) as Contour sets it: only when enabled.
            value: packAny(
              TlsInspectorSchema,
              options.tlsJa3Fingerprinting ? { enableJa3Fingerprinting: true } : {},
            ),
          },
        },
      ],
      filterChains: chains,
    }),
  ];
};
