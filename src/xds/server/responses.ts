// Builds response bytes: a small header message encoded per response, followed by the cached encodings
// of the resources (appending encoded fields to an encoded message adds those fields). Responses are
// allocated behind their gRPC frame header, so grpc-js sends them to every stream without copying.
import { create, toBinary } from '@bufbuild/protobuf';
import {
  DeltaDiscoveryResponseSchema,
  DiscoveryResponseSchema,
} from '../../gen/envoy/service/discovery/v3/discovery_pb.js';
import type { CachedResource } from '../cache/cached-resource.js';
import { concatBytes } from '../cache/wire.js';
import { allocateFramed } from './framed-responses.js';

const byName = (a: CachedResource, b: CachedResource): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/** Encodes a state-of-the-world DiscoveryResponse carrying the given resources, sorted by name. */
export const encodeSotwResponse = (
  typeUrl: string,
  versionInfo: string,
  nonce: string,
  resources: readonly CachedResource[],
): Uint8Array => {
  const header = toBinary(
    DiscoveryResponseSchema,
    create(DiscoveryResponseSchema, { typeUrl, versionInfo, nonce }),
  );
  return concatBytes([header, ...[...resources].sort(byName).map((r) => r.sotwField())], allocateFramed);
};

/** Encodes a DeltaDiscoveryResponse with the given added/changed resources and removed names, sorted. */
export const encodeDeltaResponse = (
  typeUrl: string,
  systemVersionInfo: string,
  nonce: string,
  resources: readonly CachedResource[],
  removedResources: readonly string[],
): Uint8Array => {
  const header = toBinary(
    DeltaDiscoveryResponseSchema,
    create(DeltaDiscoveryResponseSchema, {
      typeUrl,
      systemVersionInfo,
      nonce,
      removedResources: [...removedResources].sort(),
    }),
  );
  return concatBytes([header, ...[...resources].sort(byName).map((r) => r.deltaField())], allocateFramed);
};
