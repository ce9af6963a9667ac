// Upstream clusters: EDS for Services, STRICT_DNS for ExternalName Services.
import { create } from '@bufbuild/protobuf';
import {
  Cluster_DiscoveryType,
  Cluster_DnsLookupFamily,
  Cluster_LbPolicy,
  ClusterSchema,
  type Cluster as EnvoyCluster,
} from '../gen/envoy/config/cluster/v3/cluster_pb.js';
import type { Any } from '@bufbuild/protobuf/wkt';
import { HttpProtocolOptionsSchema } from '../gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js';
import type { CircuitBreakers, Cluster } from '../dag/types.js';
import { clusterLoadAssignment, lbEndpoint } from './endpoints.js';
import { socketAddress } from './address.js';
import { wellKnown } from './names.js';
import { adsConfigSource, durationFromMs, packAny, uint32 } from './proto-util.js';
import { tlsTransportSocket, upstreamTlsContext, type UpstreamTlsParameters } from './tls-context.js';

export interface ClusterSettings {
  connectTimeoutMs: number;
  /** TLS parameters towards TLS backends (Contour's `cluster.upstream-tls`). */
  upstreamTls: UpstreamTlsParameters;
  /** DNS lookup family of ExternalName (STRICT_DNS) clusters. */
  dnsLookupFamily?: 'auto' | 'v4' | 'v6' | 'all';
}

const dnsLookupFamilies = {
  auto: Cluster_DnsLookupFamily.AUTO,
  v4: Cluster_DnsLookupFamily.V4_ONLY,
  v6: Cluster_DnsLookupFamily.V6_ONLY,
  all: Cluster_DnsLookupFamily.ALL,
} as const;

const lbPolicies: Record<NonNullable<Cluster['loadBalancerPolicy']>, Cluster_LbPolicy> = {
  RoundRobin: Cluster_LbPolicy.ROUND_ROBIN,
  WeightedLeastRequest: Cluster_LbPolicy.LEAST_REQUEST,
  Random: Cluster_LbPolicy.RANDOM,
  // Hash-based policies need the route's hash_policy to pick the key (see route.ts).
  RequestHash: Cluster_LbPolicy.RING_HASH,
  Cookie: Cluster_LbPolicy.RING_HASH,
};

/** `namespace_service_port`: the stat name dashboards group a backend's clusters by. */
export const altStatName = (cluster: Cluster): string =>
  [cluster.service.namespace, cluster.service.name, String(cluster.service.port)].join('_');

// As Contour: protocol options only when a cluster needs them (HTTP/2, or a request limit per
// connection); otherwise Envoy's HTTP/1.1 default. A limit on an HTTP/1.1 cluster names HTTP/1.1.
const protocolOptions = (cluster: Cluster): Record<string, Any> => {
  const http2 = cluster.protocol === 'h2' || cluster.protocol === 'h2c';
  const maxRequests = cluster.maxRequestsPerConnection;
  if (!http2 && maxRequests === undefined) return {};
  return {
    [wellKnown.httpProtocolOptions]: packAny(HttpProtocolOptionsSchema, {
      upstreamProtocolOptions: {
        case: 'explicitHttpConfig' as const,
        value: {
          protocolConfig: http2
            ? { case: 'http2ProtocolOptions' as const, value: {} }
            : { case: 'httpProtocolOptions' as const, value: {} },
        },
      },
      commonHttpProtocolOptions:
        maxRequests === undefined ? undefined : { maxRequestsPerConnection: maxRequests },
    }),
  };
};

// Contour's thresholds: the default priority's limits, and a per-host connection limit, tracking what remains.
const circuitBreakersOf = (breakers: CircuitBreakers | undefined) =>
  breakers && Object.values(breakers).some((value) => value !== undefined && value > 0)
    ? {
        thresholds: [
          {
            maxConnections: breakers.maxConnections,
            maxPendingRequests: breakers.maxPendingRequests,
            maxRequests: breakers.maxRequests,
            maxRetries: breakers.maxRetries,
            trackRemaining: true,
          },
        ],
        perHostThresholds: [{ maxConnections: breakers.perHostMaxConnections, trackRemaining: true }],
      }
    : undefined;

/** Translates one DAG cluster. */
export const envoyCluster = (cluster: Cluster, settings: ClusterSettings): EnvoyCluster => {
  const isDns = cluster.externalName !== undefined;
  const usesTls = cluster.protocol === 'tls' || cluster.protocol === 'h2';
  return create(ClusterSchema, {
    name: cluster.name,
    altStatName: altStatName(cluster),
    clusterDiscoveryType: {
      case: 'type' as const,
      value: isDns ? Cluster_DiscoveryType.STRICT_DNS : Cluster_DiscoveryType.EDS,
    },
    edsClusterConfig: isDns ? undefined : { edsConfig: adsConfigSource(), serviceName: cluster.edsName },
    loadAssignment: isDns
      ? clusterLoadAssignment(cluster.edsName, [
          lbEndpoint(socketAddress(cluster.externalName ?? '', uint32(cluster.service.port))),
        ])
      : undefined,
    dnsLookupFamily: isDns ? dnsLookupFamilies[settings.dnsLookupFamily ?? 'auto'] : undefined,
    connectTimeout: durationFromMs(settings.connectTimeoutMs),
    lbPolicy: lbPolicies[cluster.loadBalancerPolicy ?? 'RoundRobin'],
    // Panic routing (ignoring health when most hosts are unhealthy) is disabled, as in Contour.
    commonLbConfig: { healthyPanicThreshold: { value: 0 } },
    perConnectionBufferLimitBytes: cluster.perConnectionBufferLimitBytes,
    circuitBreakers: circuitBreakersOf(cluster.circuitBreakers),
    transportSocket: usesTls
      ? tlsTransportSocket(
          upstreamTlsContext({
            sni: cluster.sni,
            alpnProtocols: cluster.protocol === 'h2' ? ['h2'] : [],
            parameters: settings.upstreamTls,
            validation: cluster.upstreamValidation,
            clientCertificate: cluster.clientCertificate,
          }),
        )
      : undefined,
    typedExtensionProtocolOptions: protocolOptions(cluster),
  });
};
