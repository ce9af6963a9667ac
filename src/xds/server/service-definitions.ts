// gRPC service definitions for the xDS services, written by hand: requests are decoded with protobuf-es,
// responses are already-encoded bytes (spliced from the cache), so they are passed through untouched.
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  DeltaDiscoveryRequestSchema,
  type DeltaDiscoveryRequest,
} from '../../gen/envoy/service/discovery/v3/discovery_pb.js';
import type { ResourceType } from '../../envoy/resources.js';

/** One streaming xDS method: its service, name, protocol variant and (for per-type services) its resource type. */
export interface DiscoveryMethod {
  readonly service: string;
  readonly name: string;
  readonly variant: 'sotw' | 'delta';
  /** Undefined for ADS, which multiplexes every type. */
  readonly type?: ResourceType;
}

const perTypeServices: readonly { service: string; noun: string; type: ResourceType }[] = [
  { service: 'envoy.service.listener.v3.ListenerDiscoveryService', noun: 'Listeners', type: 'listener' },
  { service: 'envoy.service.route.v3.RouteDiscoveryService', noun: 'Routes', type: 'route' },
  { service: 'envoy.service.cluster.v3.ClusterDiscoveryService', noun: 'Clusters', type: 'cluster' },
  { service: 'envoy.service.endpoint.v3.EndpointDiscoveryService', noun: 'Endpoints', type: 'endpoint' },
  { service: 'envoy.service.secret.v3.SecretDiscoveryService', noun: 'Secrets', type: 'secret' },
  { service: 'envoy.service.runtime.v3.RuntimeDiscoveryService', noun: 'Runtime', type: 'runtime' },
];

/** The aggregated discovery service (one stream for every type). */
export const adsServiceName = 'envoy.service.discovery.v3.AggregatedDiscoveryService';

/** Every streaming method served. The unary Fetch* methods are not registered, so they answer UNIMPLEMENTED. */
export const discoveryMethods: readonly DiscoveryMethod[] = [
  { service: adsServiceName, name: 'StreamAggregatedResources', variant: 'sotw' },
  { service: adsServiceName, name: 'DeltaAggregatedResources', variant: 'delta' },
  ...perTypeServices.flatMap(({ service, noun, type }) => [
    { service, name: `Stream${noun}`, variant: 'sotw' as const, type },
    { service, name: `Delta${noun}`, variant: 'delta' as const, type },
  ]),
];

/** The gRPC path of a method. */
export const methodPath = (method: DiscoveryMethod): string => `/${method.service}/${method.name}`;

const passBytes = (value: Uint8Array): Buffer =>
  Buffer.from(value.buffer, value.byteOffset, value.byteLength);

/** Server-side definition of a state-of-the-world method. */
export const sotwMethodDefinition = (method: DiscoveryMethod): MethodDefinition<Uint8Array, Uint8Array> => ({
  path: methodPath(method),
  requestStream: true,
  responseStream: true,
  requestSerialize: passBytes,
  // Decoded by the stream, which knows its previous requests' resource_names
  // (src/xds/server/sotw-request.ts): an ACK repeating them is compared, not decoded.
  requestDeserialize: (bytes) => new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  responseSerialize: passBytes,
  responseDeserialize: (bytes) => new Uint8Array(bytes),
});

/** Server-side definition of a delta method. */
export const deltaMethodDefinition = (
  method: DiscoveryMethod,
): MethodDefinition<DeltaDiscoveryRequest, Uint8Array> => ({
  path: methodPath(method),
  requestStream: true,
  responseStream: true,
  requestSerialize: (value) => Buffer.from(toBinary(DeltaDiscoveryRequestSchema, value)),
  requestDeserialize: (bytes) => fromBinary(DeltaDiscoveryRequestSchema, bytes),
  responseSerialize: passBytes,
  responseDeserialize: (bytes) => new Uint8Array(bytes),
});

/** The service definitions, grouped by service name. */
export const serviceDefinitions = (): Map<
  string,
  { definition: ServiceDefinition; methods: DiscoveryMethod[] }
> => {
  const services = new Map<string, { definition: ServiceDefinition; methods: DiscoveryMethod[] }>();
  for (const method of discoveryMethods) {
    const service = services.get(method.service) ?? { definition: {}, methods: [] };
    const definition =
      method.variant === 'sotw' ? sotwMethodDefinition(method) : deltaMethodDefinition(method);
    services.set(method.service, {
      definition: { ...service.definition, [method.name]: definition },
      methods: [...service.methods, method],
    });
  }
  return services;
};
