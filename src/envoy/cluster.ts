// Upstream clusters: EDS for Services, STRICT_DNS for ExternalName Services.
import { create } from '@bufbuild/protobuf';
import {
  Cluster_DiscoveryType,
  Cluster_DnsLookupFamily,
  Cluster_LbPolicy,
  ClusterSchema,
  type Cluster as EnvoyCluster,
} from '../gen/envoy/config/cluster/v3/cluster_pb.js';
import { HttpProtocolOptionsSchema } from '../gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js';
import type { Cluster } from '../dag/types.js';
import { clusterLoadAssignment, lbEndpoint } from './endpoints.js';
import { socketAddress } from './address.js';
import { wellKnown } from './names.js';
import { adsConfigSource, durationFromMs, packAny, uint32 } from './proto-util.js';
import { tlsTransportSocket, upstreamTlsContext } from './tls-context.js';

export interface ClusterSettings {
  connectTimeoutMs: number;
  /** TLS 1.2 cipher suites offered to TLS backends. */
  cipherSuites: string[];
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

// Only HTTP/2 backends get explicit protocol options; others use Envoy's HTTP/1.1 default.
const http2ProtocolOptions = () => ({
  [wellKnown.httpProtocolOptions]: packAny(HttpProtocolOptionsSchema, {
    upstreamProtocolOptions: {
      case: 'explicitHttpConfig' as const,
      value: { protocolConfig: { case: 'http2ProtocolOptions' as const, value: {} } },
    },
  }),
});

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
    transportSocket: usesTls
      ? tlsTransportSocket(
          upstreamTlsContext({
            sni: cluster.sni,
            alpnProtocols: cluster.protocol === 'h2' ? ['h2'] : [],
            cipherSuites: settings.cipherSuites,
            validation: cluster.upstreamValidation,
          }),
        )
      : undefined,
    typedExtensionProtocolOptions:
      cluster.protocol === 'h2' || cluster.protocol === 'h2c' ? http2ProtocolOptions() : {},
  });
};
