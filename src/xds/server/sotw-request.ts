// State-of-the-world requests, with resource_names left encoded until they are needed.
//
// A SotW client repeats its whole subscription in every request, ACKs included: an Envoy subscribed to
// 10,000 ClusterLoadAssignments sends 10,000 names with every EDS ACK, so every endpoint change
// would cost each stream a decode of 10,000 strings and a comparison of two 10,000-name sets. Names
// are kept here as the bytes they arrived as; a stream decodes them only when they differ from the
// bytes of its previous request of the type (equal bytes are equal names in equal order).
import { fromBinary } from '@bufbuild/protobuf';
import {
  DiscoveryRequestSchema,
  type DiscoveryRequest,
} from '../../gen/envoy/service/discovery/v3/discovery_pb.js';

export interface SotwRequest {
  /** Every field of the request except resource_names, which is left empty here. */
  readonly fields: DiscoveryRequest;
  /** The resource_names fields exactly as encoded on the wire (empty when there are none). */
  readonly encodedNames: Uint8Array;
  /** resource_names, decoded on first use. */
  resourceNames: () => readonly string[];
}

/** DiscoveryRequest.resource_names: field 3, length-delimited. */
const resourceNamesField = 3;

/** The tag of a resource_names field (field 3, wire type 2) in its one-byte encoding. */
const resourceNamesTag = (resourceNamesField << 3) | 2;

/** Where the last readVarint stopped, or -1 if the varint ran past the end. */
let varintEnd = 0;

const readVarint = (bytes: Uint8Array, offset: number): number => {
  let result = 0;
  let position = offset;
  for (let shift = 0; shift < 64; shift += 7) {
    if (position >= bytes.length) break;
    const byte = bytes[position++];
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) {
      varintEnd = position;
      return result;
    }
  }
  varintEnd = -1;
  return 0;
};

/** One pass over the top-level fields; undefined if the bytes are not a well-formed message. */
const splitNames = (bytes: Uint8Array): { rest: Uint8Array; names: Uint8Array } | undefined => {
  const rest: Uint8Array[] = [];
  const names: Uint8Array[] = [];
  const end = bytes.length;
  let position = 0;
  let runStart = 0;
  let runIsNames = false;
  while (position < end) {
    const fieldStart = position;
    let isNames = false;
    if (bytes[position] === resourceNamesTag) {
      // The common case, thousands of times per request: a name shorter than 128 bytes.
      isNames = true;
      const length = bytes[position + 1];
      if (length !== undefined && length < 0x80) position += 2 + length;
      else {
        const longLength = readVarint(bytes, position + 1);
        if (varintEnd < 0) return undefined;
        position = varintEnd + longLength;
      }
    } else {
      const tag = readVarint(bytes, position);
      if (varintEnd < 0) return undefined;
      position = varintEnd;
      const wireType = tag % 8;
      if (wireType === 0) {
        readVarint(bytes, position);
        if (varintEnd < 0) return undefined;
        position = varintEnd;
      } else if (wireType === 1) {
        position += 8;
      } else if (wireType === 2) {
        const length = readVarint(bytes, position);
        if (varintEnd < 0) return undefined;
        position = varintEnd + length;
      } else if (wireType === 5) {
        position += 4;
      } else {
        return undefined; // groups: leave them to the full decoder
      }
    }
    if (position > end) return undefined;
    if (isNames !== runIsNames) {
      if (fieldStart > runStart) (runIsNames ? names : rest).push(bytes.subarray(runStart, fieldStart));
      runStart = fieldStart;
      runIsNames = isNames;
    }
  }
  if (end > runStart) (runIsNames ? names : rest).push(bytes.subarray(runStart));
  return { rest: joined(rest), names: joined(names) };
};

const joined = (parts: readonly Uint8Array[]): Uint8Array => {
  if (parts.length === 1) return parts[0];
  return Buffer.concat(parts);
};

/**
 * Decodes a DiscoveryRequest except its resource_names. Throws, as protobuf-es does, on bytes that are
 * not a DiscoveryRequest.
 */
export const decodeSotwRequest = (bytes: Uint8Array): SotwRequest => {
  const split = splitNames(bytes);
  if (!split) {
    // Not splittable here: decode it whole (or let the decoder report what is wrong).
    const whole = fromBinary(DiscoveryRequestSchema, bytes);
    const names = whole.resourceNames;
    whole.resourceNames = [];
    return { fields: whole, encodedNames: bytes, resourceNames: () => names };
  }
  const fields = fromBinary(DiscoveryRequestSchema, split.rest);
  let names: readonly string[] | undefined;
  return {
    fields,
    encodedNames: split.names,
    resourceNames: () =>
      (names ??=
        split.names.length === 0 ? [] : fromBinary(DiscoveryRequestSchema, split.names).resourceNames),
  };
};

/** Whether two encodings are byte for byte the same. */
export const sameEncoding = (a: Uint8Array | undefined, b: Uint8Array): boolean =>
  a !== undefined &&
  a.length === b.length &&
  Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
