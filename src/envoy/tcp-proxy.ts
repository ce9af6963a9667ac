// The tcp_proxy network filter: TLS passthrough and TCP proxying behind TLS termination.
import { create } from '@bufbuild/protobuf';
import { FilterSchema, type Filter } from '../gen/envoy/config/listener/v3/listener_components_pb.js';
import { TcpProxySchema } from '../gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import type { AccessLog } from '../gen/envoy/config/accesslog/v3/accesslog_pb.js';
import type { WeightedCluster } from '../dag/types.js';
import { wellKnown } from './names.js';
import { fitWeights } from './weights.js';
import { compareStrings, durationFromMs, packAny, uint32 } from './proto-util.js';

// Two and a half hours: long-lived TCP connections (databases, websockets over TLS) must not be
// cut by the 1h Envoy default (Contour issue #1074 chose this value).
const tcpIdleTimeoutMs = 9001 * 1000;

// Sorted by name then weight, weights fitted so that their sum fits uint32 as Envoy requires.
const fittedClusters = (clusters: WeightedCluster[]): { name: string; weight: number }[] => {
  const sorted = [...clusters].sort((a, b) => compareStrings(a.cluster, b.cluster) || a.weight - b.weight);
  const weights = fitWeights(sorted.map((cluster) => cluster.weight));
  return sorted.map((cluster, index) => ({ name: cluster.cluster, weight: weights[index] }));
};

/** A tcp_proxy filter to one cluster, or to weighted clusters (zero weights dropped, as Envoy requires). */
export const tcpProxyFilter = (
  statPrefix: string,
  clusters: WeightedCluster[],
  accessLogs: AccessLog[],
): Filter => {
  const positive = clusters
    .map((cluster) => ({ ...cluster, weight: uint32(cluster.weight) }))
    .filter((cluster) => cluster.weight > 0);
  // All weights zero: share evenly.
  const kept = positive.length > 0 ? positive : clusters.map((cluster) => ({ ...cluster, weight: 1 }));
  const clusterSpecifier =
    kept.length === 1
      ? { case: 'cluster' as const, value: kept[0].cluster }
      : {
          case: 'weightedClusters' as const,
          value: {
            clusters: fittedClusters(kept),
          },
        };
  return create(FilterSchema, {
    name: wellKnown.tcpProxy,
    configType: {
      case: 'typedConfig' as const,
      value: packAny(TcpProxySchema, {
        statPrefix,
        clusterSpecifier,
        accessLog: accessLogs,
        idleTimeout: durationFromMs(tcpIdleTimeoutMs),
      }),
    },
  });
};
