// One Envoy resource as the cache holds it: named, content-hashed, encoded once, with its references.
import { create, toBinary, type DescMessage, type Message } from '@bufbuild/protobuf';
import { createHash } from 'node:crypto';
import { ListenerSchema } from '../../gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../gen/envoy/config/route/v3/route_pb.js';
import { ClusterSchema } from '../../gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { SecretSchema } from '../../gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { ResourceSchema } from '../../gen/envoy/service/discovery/v3/discovery_pb.js';
import { typeUrls, type ResourceType } from '../../envoy/resources.js';
import { findReferences, type References } from './references.js';
import type { EncodedResource } from './route-encoding.js';
import { concatBytes, lengthDelimitedField, lengthDelimitedHeader } from './wire.js';

/** The protobuf-es schema of each resource type. */
export const resourceSchemas: Record<ResourceType, DescMessage> = {
  listener: ListenerSchema,
  route: RouteConfigurationSchema,
  cluster: ClusterSchema,
  endpoint: ClusterLoadAssignmentSchema,
  secret: SecretSchema,
};

/** The resource type of each xDS type URL. */
export const resourceTypeOfUrl: ReadonlyMap<string, ResourceType> = new Map(
  (Object.entries(typeUrls) as [ResourceType, string][]).map(([type, url]) => [url, type]),
);

/** A resource's xDS name (ClusterLoadAssignment names itself by cluster_name). */
export const resourceName = (type: ResourceType, message: Message): string => {
  const fields = message as unknown as { name?: unknown; clusterName?: unknown };
  const name = type === 'endpoint' ? fields.clusterName : fields.name;
  return typeof name === 'string' ? name : '';
};

/** Short hex SHA-256 of some bytes or text: equal input gives an equal hash on every replica. */
export const shortHash = (...parts: (Uint8Array | string)[]): string => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex').slice(0, 16);
};

/** A resource in the snapshot. Its version is its content hash, so it is stable across publishes and replicas. */
export interface CachedResource {
  readonly type: ResourceType;
  readonly name: string;
  readonly version: string;
  readonly message: Message;
  readonly references: References;
  /**
   * Sent only to clients that ask for it by name, never to wildcard subscribers. True for API listeners
   * (proxyless gRPC clients name their target; Envoy subscribes to LDS by wildcard and would only log a
   * warning per API listener, which it cannot take over LDS).
   */
  readonly namedOnly: boolean;
  /** The resource as one `repeated Any resources = 2` field of a DiscoveryResponse. */
  sotwField(): Uint8Array;
  /** The resource as one `repeated Resource resources = 2` field of a DeltaDiscoveryResponse. */
  deltaField(): Uint8Array;
}

const utf8 = new TextEncoder();

/**
 * `Any{type_url, value}` written directly: the same bytes as toBinary(AnySchema, …), with the value
 * copied once (a 2 MB route configuration is copied per wrapping layer, so layers are written around it).
 */
const anyOf = (typeUrl: string, value: Uint8Array): Uint8Array =>
  concatBytes([
    lengthDelimitedField(1, utf8.encode(typeUrl)),
    // proto3 leaves empty bytes out.
    ...(value.length > 0 ? [lengthDelimitedHeader(2, value.length), value] : []),
  ]);

/**
 * Encodes a resource and wraps it for the cache; the Any is built from the bytes the hash was taken over.
 * `encoded`, when given, is the message's encoding and references computed elsewhere (from cached
 * pieces, for large route configurations); otherwise both are computed from the message.
 */
export const cacheResource = (
  type: ResourceType,
  message: Message,
  encoded?: EncodedResource,
): CachedResource => {
  const schema = resourceSchemas[type];
  const bytes = encoded?.bytes ?? toBinary(schema, message);
  const version = shortHash(bytes);
  const name = resourceName(type, message);
  const anyBytes = anyOf(typeUrls[type], bytes);
  let sotw: Uint8Array | undefined;
  let delta: Uint8Array | undefined;
  return {
    type,
    name,
    version,
    message,
    references: encoded?.references ?? findReferences(schema, message),
    namedOnly: type === 'listener' && (message as { apiListener?: unknown }).apiListener !== undefined,
    sotwField: () => (sotw ??= concatBytes([lengthDelimitedHeader(2, anyBytes.length), anyBytes])),
    deltaField: () => {
      if (delta === undefined) {
        // Resource{version=1, resource=2, name=3}: the Any is spliced in as field 2.
        const head = toBinary(ResourceSchema, create(ResourceSchema, { name, version }));
        const anyHeader = lengthDelimitedHeader(2, anyBytes.length);
        const resourceLength = head.length + anyHeader.length + anyBytes.length;
        delta = concatBytes([lengthDelimitedHeader(2, resourceLength), head, anyHeader, anyBytes]);
      }
      return delta;
    },
  };
};
