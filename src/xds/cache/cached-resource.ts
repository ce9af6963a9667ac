// One Envoy resource as the cache holds it: named, content-hashed, encoded once, with its references.
import { create, fromBinary, toBinary, type DescMessage, type Message } from '@bufbuild/protobuf';
import { createHash } from 'node:crypto';
import { ListenerSchema } from '../../gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../gen/envoy/config/route/v3/route_pb.js';
import { ClusterSchema } from '../../gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { SecretSchema } from '../../gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { RuntimeSchema } from '../../gen/envoy/service/runtime/v3/rtds_pb.js';
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
  runtime: RuntimeSchema,
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

/**
 * A resource in the snapshot. Its version is its content hash, so it is stable across publishes and replicas.
 * It keeps the encoding, not the message: at 10,000 proxies the protobuf-es messages of a snapshot are
 * ~80 MB of heap against ~10 MB of bytes. The incremental engine memoizes these entries per DAG object
 * and publishes them as they are (see `isCachedResource`).
 */
export interface CachedResource {
  readonly type: ResourceType;
  readonly name: string;
  readonly version: string;
  /** The resource's encoding (what `toBinary` of its message gives). */
  readonly bytes: Uint8Array;
  /** The message, decoded from `bytes` on every read: for debug pages and tests, not for serving. */
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
const typeUrlFields = Object.fromEntries(
  (Object.entries(typeUrls) as [ResourceType, string][]).map(([type, url]) => [
    type,
    lengthDelimitedField(1, utf8.encode(url)),
  ]),
) as Record<ResourceType, Uint8Array>;

// A class rather than an object of closures: a snapshot holds ~22,000 entries at 10,000 proxies, and
// per-entry closures, contexts and typed-array views were ~15 MB of heap. One buffer per entry holds
// the SotW field, the Any inside it and the encoding inside that; `bytes` is a view made on demand.
class Entry implements CachedResource {
  private delta: Uint8Array | undefined;

  constructor(
    readonly type: ResourceType,
    readonly name: string,
    readonly version: string,
    readonly references: References,
    readonly namedOnly: boolean,
    /** `repeated Any resources = 2` record: field header, then the Any (type_url, then value). */
    private readonly sotw: Uint8Array,
    /** Where the Any starts in `sotw`. */
    private readonly anyAt: number,
    /** Where the encoding starts in `sotw`. */
    private readonly valueAt: number,
  ) {}

  get bytes(): Uint8Array {
    return this.sotw.subarray(this.valueAt);
  }

  get message(): Message {
    return fromBinary(resourceSchemas[this.type], this.bytes);
  }

  sotwField(): Uint8Array {
    return this.sotw;
  }

  deltaField(): Uint8Array {
    if (this.delta === undefined) {
      // Resource{version=1, resource=2, name=3}: the Any is spliced in as field 2.
      const any = this.sotw.subarray(this.anyAt);
      const head = toBinary(
        ResourceSchema,
        create(ResourceSchema, { name: this.name, version: this.version }),
      );
      const anyHeader = lengthDelimitedHeader(2, any.length);
      const resourceLength = head.length + anyHeader.length + any.length;
      this.delta = concatBytes([lengthDelimitedHeader(2, resourceLength), head, anyHeader, any]);
    }
    return this.delta;
  }
}

/** Whether a published item is already a cache entry (rather than a message to encode). */
export const isCachedResource = (value: object): value is CachedResource => value instanceof Entry;

/**
 * Wraps an encoded resource for the cache. The `Any{type_url, value}` is written directly (the same bytes
 * as toBinary(AnySchema, …)) inside the SotW field, and `bytes` is a view into it: the encoding is held once.
 */
export const encodedResource = (
  type: ResourceType,
  name: string,
  encoded: EncodedResource,
  namedOnly = false,
): CachedResource => {
  const typeUrl = typeUrlFields[type];
  // proto3 leaves empty bytes out.
  const valueHeader =
    encoded.bytes.length > 0 ? lengthDelimitedHeader(2, encoded.bytes.length) : new Uint8Array(0);
  const anyLength = typeUrl.length + valueHeader.length + encoded.bytes.length;
  const sotwHeader = lengthDelimitedHeader(2, anyLength);
  const sotw = concatBytes([sotwHeader, typeUrl, valueHeader, encoded.bytes]);
  return new Entry(
    type,
    name,
    shortHash(encoded.bytes),
    encoded.references,
    namedOnly,
    sotw,
    sotwHeader.length,
    sotw.length - encoded.bytes.length,
  );
};

/**
 * Encodes a message and wraps it for the cache; the message is not kept. `encoded`, when given, is the
 * message's encoding and references computed elsewhere (from cached pieces, for large route
 * configurations); otherwise both are computed from the message.
 */
export const cacheResource = (
  type: ResourceType,
  message: Message,
  encoded?: EncodedResource,
): CachedResource => {
  const schema = resourceSchemas[type];
  return encodedResource(
    type,
    resourceName(type, message),
    encoded ?? { bytes: toBinary(schema, message), references: findReferences(schema, message) },
    type === 'listener' && (message as { apiListener?: unknown }).apiListener !== undefined,
  );
};
