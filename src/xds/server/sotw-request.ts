// State-of-the-world requests, with resource_names left encoded until they are needed.
//
// A SotW client repeats its whole subscription in every request, ACKs included: an Envoy subscribed to
// 10,000 ClusterLoadAssignments sends 10,000 names with every EDS ACK, so every endpoint change
// would cost each stream a decode of 10,000 strings and a comparison of two 10,000-name sets. Names
// are kept here as the bytes they arrived as; a stream decodes them only when they differ from the
// bytes of its previous request of the type (equal bytes are equal names in equal order), and finds
// them equal by comparing the bytes, without walking 10,000 fields.
import { fromBinary } from '@bufbuild/protobuf';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
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

/** Reads past one field; returns whether it was a resource_names field. Throws on malformed bytes. */
const skipField = (reader: BinaryReader): boolean => {
  const [fieldNo, wireType] = reader.tag();
  reader.skip(wireType, fieldNo);
  return fieldNo === resourceNamesField && wireType === WireType.LengthDelimited;
};

interface Split {
  rest: Uint8Array;
  names: Uint8Array;
}

/** One pass over the top-level fields, gathering runs of names and of other fields. */
const splitNames = (bytes: Uint8Array): Split => {
  const rest: Uint8Array[] = [];
  const names: Uint8Array[] = [];
  const reader = new BinaryReader(bytes);
  let runStart = 0;
  let runIsNames = false;
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const isNames = skipField(reader);
    if (isNames !== runIsNames) {
      (runIsNames ? names : rest).push(bytes.subarray(runStart, start));
      runStart = start;
      runIsNames = isNames;
    }
  }
  (runIsNames ? names : rest).push(bytes.subarray(runStart));
  return { rest: joined(rest), names: joined(names) };
};

/**
 * The split when the request's names are byte for byte one of `known` (a previous request's): the
 * names are compared, not walked, so an ACK repeating 10,000 names costs one memory comparison.
 */
const splitKnownNames = (bytes: Uint8Array, known: Iterable<Uint8Array>): Split | undefined => {
  const reader = new BinaryReader(bytes);
  let start = -1;
  while (start < 0 && reader.pos < reader.len) {
    const position = reader.pos;
    if (skipField(reader)) start = position;
  }
  if (start < 0) return undefined;
  for (const names of known) {
    const end = start + names.length;
    if (names.length === 0 || end > bytes.length) continue;
    if (!sameEncoding(names, bytes.subarray(start, end))) continue;
    // Equal bytes are whole fields, so `end` is a field boundary; no names may follow.
    const after = new BinaryReader(bytes.subarray(end));
    while (after.pos < after.len) if (skipField(after)) return undefined;
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

/** The split, or undefined for bytes that are not a well-formed message (or hold groups). */
const split = (bytes: Uint8Array, known: Iterable<Uint8Array>): Split | undefined => {
  try {
    return splitKnownNames(bytes, known) ?? splitNames(bytes);
  } catch {
    return undefined;
  }
};

/**
 * Decodes a DiscoveryRequest except its resource_names. `known`: encoded names of the stream's
 * previous requests, compared before the names are walked. Throws, as protobuf-es does, on bytes that
 * are not a DiscoveryRequest.
 */
export const decodeSotwRequest = (bytes: Uint8Array, known: Iterable<Uint8Array> = []): SotwRequest => {
  const parts = split(bytes, known);
  if (!parts) {
    // Not splittable here: decode it whole (or let the decoder report what is wrong).
    const whole = fromBinary(DiscoveryRequestSchema, bytes);
    const names = whole.resourceNames;
    whole.resourceNames = [];
    return { fields: whole, encodedNames: bytes, resourceNames: () => names };
  }
  const fields = fromBinary(DiscoveryRequestSchema, parts.rest);
  let names: readonly string[] | undefined;
  return {
    fields,
    encodedNames: parts.names,
    resourceNames: () =>
      (names ??=
        parts.names.length === 0 ? [] : fromBinary(DiscoveryRequestSchema, parts.names).resourceNames),
  };
};

/** Whether two encodings are byte for byte the same. */
export const sameEncoding = (a: Uint8Array | undefined, b: Uint8Array): boolean =>
  a !== undefined &&
  a.length === b.length &&
  Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));

/** Whether `encodedNames` (from decodeSotwRequest) holds more than `limit` names; walks at most limit + 1. */
export const hasMoreNamesThan = (encodedNames: Uint8Array, limit: number): boolean => {
  // Each name field takes at least two bytes (tag and length), so a short encoding needs no walk.
  if (encodedNames.length <= 2 * limit) return false;
  const reader = new BinaryReader(encodedNames);
  let count = 0;
  try {
    while (reader.pos < reader.len) if (skipField(reader) && ++count > limit) return true;
  } catch {
    // Not walkable (a request decodeSotwRequest decoded whole): the decoded names are counted instead.
  }
  return false;
};
