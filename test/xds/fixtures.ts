// Hand-built Envoy resources for xDS tests: small, but with the real references make-before-break follows.
import { create } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import {
  ClusterSchema,
  Cluster_DiscoveryType,
  type Cluster,
} from '../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import {
  ClusterLoadAssignmentSchema,
  type ClusterLoadAssignment,
} from '../../src/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema, type Listener } from '../../src/gen/envoy/config/listener/v3/listener_pb.js';
import {
  RouteConfigurationSchema,
  type RouteConfiguration,
} from '../../src/gen/envoy/config/route/v3/route_pb.js';
import {
  SecretSchema,
  type Secret,
} from '../../src/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { HttpConnectionManagerSchema } from '../../src/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { TcpProxySchema } from '../../src/gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import { DownstreamTlsContextSchema } from '../../src/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import type { EnvoyResources } from '../../src/envoy/resources.js';

const ads = () => ({ configSourceSpecifier: { case: 'ads' as const, value: {} } });

/** An EDS cluster (its ClusterLoadAssignment is named serviceName, or the cluster's name). */
export const edsCluster = (
  name: string,
  options: { serviceName?: string; timeoutSeconds?: number } = {},
): Cluster =>
  create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: 'type' as const, value: Cluster_DiscoveryType.EDS },
    edsClusterConfig: { edsConfig: ads(), serviceName: options.serviceName ?? '' },
    connectTimeout: { seconds: BigInt(options.timeoutSeconds ?? 2) },
  });

/** A static (non-EDS) cluster: it refers to nothing. */
export const staticCluster = (name: string): Cluster =>
  create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: 'type' as const, value: Cluster_DiscoveryType.STATIC },
  });

/** A ClusterLoadAssignment with one endpoint. */
export const endpoints = (clusterName: string, port = 8080): ClusterLoadAssignment =>
  create(ClusterLoadAssignmentSchema, {
    clusterName,
    endpoints: [
      {
        lbEndpoints: [
          {
            hostIdentifier: {
              case: 'endpoint' as const,
              value: {
                address: {
                  address: {
                    case: 'socketAddress' as const,
                    value: {
                      address: '10.0.0.1',
                      portSpecifier: { case: 'portValue' as const, value: port },
                    },
                  },
                },
              },
            },
          },
        ],
      },
    ],
  });

/** A route configuration with one virtual host whose routes go to the given clusters (weighted when several). */
export const routeConfig = (name: string, clusters: readonly string[], mirror?: string): RouteConfiguration =>
  create(RouteConfigurationSchema, {
    name,
    virtualHosts: [
      {
        name: `${name}/vhost`,
        domains: ['*'],
        routes: clusters.map((cluster, index) => ({
          match: { pathSpecifier: { case: 'prefix' as const, value: `/${index}` } },
          action: {
            case: 'route' as const,
            value: {
              clusterSpecifier: { case: 'cluster' as const, value: cluster },
              requestMirrorPolicies: mirror !== undefined ? [{ cluster: mirror }] : [],
            },
          },
        })),
      },
    ],
  });

/** A listener whose HTTP connection manager uses RDS, optionally with a TLS certificate from SDS. */
export const httpListener = (name: string, routeConfigName: string, secretName?: string): Listener =>
  create(ListenerSchema, {
    name,
    filterChains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            configType: {
              case: 'typedConfig' as const,
              value: anyPack(
                HttpConnectionManagerSchema,
                create(HttpConnectionManagerSchema, {
                  statPrefix: name,
                  routeSpecifier: { case: 'rds' as const, value: { configSource: ads(), routeConfigName } },
                }),
              ),
            },
          },
        ],
        transportSocket:
          secretName === undefined
            ? undefined
            : {
                name: 'envoy.transport_sockets.tls',
                configType: {
                  case: 'typedConfig' as const,
                  value: anyPack(
                    DownstreamTlsContextSchema,
                    create(DownstreamTlsContextSchema, {
                      commonTlsContext: {
                        tlsCertificateSdsSecretConfigs: [{ name: secretName, sdsConfig: ads() }],
                      },
                    }),
                  ),
                },
              },
      },
    ],
  });

/** A listener proxying TCP to one cluster. */
export const tcpListener = (name: string, cluster: string): Listener =>
  create(ListenerSchema, {
    name,
    filterChains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.tcp_proxy',
            configType: {
              case: 'typedConfig' as const,
              value: anyPack(
                TcpProxySchema,
                create(TcpProxySchema, {
                  statPrefix: name,
                  clusterSpecifier: { case: 'cluster' as const, value: cluster },
                }),
              ),
            },
          },
        ],
      },
    ],
  });

/** A TLS certificate secret. */
export const secret = (name: string, pem = 'CERT'): Secret =>
  create(SecretSchema, {
    name,
    type: {
      case: 'tlsCertificate' as const,
      value: { certificateChain: { specifier: { case: 'inlineString' as const, value: pem } } },
    },
  });

/** An EnvoyResources with the given lists (missing lists empty). */
export const resourcesOf = (partial: Partial<EnvoyResources>): EnvoyResources => ({
  listeners: partial.listeners ?? [],
  routes: partial.routes ?? [],
  clusters: partial.clusters ?? [],
  endpoints: partial.endpoints ?? [],
  secrets: partial.secrets ?? [],
});
