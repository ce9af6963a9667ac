// The translate stage's output: Envoy resources by xDS type, as protobuf-es messages.
import type { Listener } from '../gen/envoy/config/listener/v3/listener_pb.js';
import type { RouteConfiguration } from '../gen/envoy/config/route/v3/route_pb.js';
import type { Cluster } from '../gen/envoy/config/cluster/v3/cluster_pb.js';
import type { ClusterLoadAssignment } from '../gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { Secret } from '../gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import type { Runtime } from '../gen/envoy/service/runtime/v3/rtds_pb.js';

/** xDS type URLs, by short name. */
export const typeUrls = {
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  route: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  endpoint: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  secret: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
  runtime: 'type.googleapis.com/envoy.service.runtime.v3.Runtime',
} as const;

export type ResourceType = keyof typeof typeUrls;

/** Every Envoy resource of one build, each list sorted by name. */
export interface EnvoyResources {
  listeners: Listener[];
  routes: RouteConfiguration[];
  clusters: Cluster[];
  endpoints: ClusterLoadAssignment[];
  secrets: Secret[];
  /** Runtime layers served over RTDS (Contour's one layer, `dynamic`). */
  runtimes?: Runtime[];
}
