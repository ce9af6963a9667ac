// State-of-the-world requests, with resource_names left encoded until they are needed.
//
// A SotW client repeats its whole subscription in every request, ACKs included: an Envoy subscribed to
// 10,000 ClusterLoadAssignments sends 10,000 names with every EDS ACK, so every endpoint change
// would cost each stream a decode of 10,000 strings and a comparison of two 10,000-name sets. Names
// are kept here as the bytes they arrived as; a stream decodes them only when they differ from the
// bytes of its previous request of the type (equal bytes are equal names in equal order), and finds
// them equal by comparing the bytes, without walking 10,000 fields.
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

/** Where the field starting at `position` ends; -1 if it runs past the end or is a group. */
const fieldEnd = (bytes: Uint8Array, position: number): number => {
  if (bytes[position] === resourceNamesTag) {
    // The common case, thousands of times per request: a name shorter than 128 bytes.
    const length = bytes[position + 1];
    if (length !== undefined && length < 0x80) {
      const end = position + 2 + length;
      return end > bytes.length ? -1 : end;
    }
  }
  const tag = readVarint(bytes, position);
  if (varintEnd < 0) return -1;
  let end = varintEnd;
  const wireType = tag % 8;
  if (wireType === 0) {
    readVarint(bytes, end);
    end = varintEnd;
  } else if (wireType === 1) {
    end += 8;
  } else if (wireType === 2) {
    const length = readVarint(bytes, end);
    end = varintEnd < 0 ? -1 : varintEnd + length;
  } else if (wireType === 5) {
    end += 4;
  } else {
    return -1; // groups: left to the full decoder
  }
  return end > bytes.length ? -1 : end;
};

interface Split {
  rest: Uint8Array;
  names: Uint8Array;
}

/** One pass over the top-level fields; undefined if the bytes are not a well-formed message. */
const splitNames = (bytes: Uint8Array): Split | undefined => {
  const rest: Uint8Array[] = [];
  const names: Uint8Array[] = [];
  let position = 0;
  let runStart = 0;
  let runIsNames = false;
  while (position < bytes.length) {
    const isNames = bytes[position] === resourceNamesTag;
    const next = fieldEnd(bytes, position);
    if (next < 0) return undefined;
    if (isNames !== runIsNames) {
      if (position > runStart) (runIsNames ? names : rest).push(bytes.subarray(runStart, position));
      runStart = position;
      runIsNames = isNames;
    }
    position = next;
  }
  if (bytes.length > runStart) (runIsNames ? names : rest).push(bytes.subarray(runStart));
  return { rest: joined(rest), names: joined(names) };
};

/**
 * The split when the request's names are byte for byte one of `known` (a previous request's): the
 * names are compared, not walked, so an ACK repeating 10,000 names costs one memory comparison.
 */
const splitKnownNames = (bytes: Uint8Array, known: Iterable<Uint8Array>): Split | undefined => {
  let start = 0;
  while (start < bytes.length && bytes[start] !== resourceNamesTag) {
    start = fieldEnd(bytes, start);
    if (start < 0) return undefined;
  }
  if (start >= bytes.length) return undefined;
  for (const names of known) {
    const end = start + names.length;
    if (names.length === 0 || end > bytes.length || bytes[end] === resourceNamesTag) continue;
    if (!sameEncoding(names, bytes.subarray(start, end))) continue;
    // Equal bytes are whole fields, so `end` is a field boundary; no more names may follow.
    for (let position = end; position < bytes.length;) {
      if (bytes[position] === resourceNamesTag) return undefined;
      position = fieldEnd(bytes, position);
      if (position < 0) return undefined;
    }
    return {
      rest: joined([bytes.subarray(0, start), bytes.subarray(end)]),
      names: bytes.subarray(start, end),
    };
  }
  return undefined;
};

const joined = (parts: readonly Uint8Array[]): Uint8Array => {
  const nonEmpty = parts.filter((part) => part.length > 0);
  if (nonEmpty.length === 1) return nonEmpty[0];
  return Buffer.concat(nonEmpty);
};

/**
 * Decodes a DiscoveryRequest except its resource_names. `known`: encoded names of the stream's
 * previous requests, compared before the names are walked. Throws, as protobuf-es does, on bytes that
 * are not a DiscoveryRequest.
 */
export const decodeSotwRequest = (bytes: Uint8Array, known: Iterable<Uint8Array> = []): SotwRequest => {
  const split = splitKnownNames(bytes, known) ?? splitNames(bytes);
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
