// Protobuf wire-format pieces for splicing pre-encoded resources into responses without re-encoding them.

/** Encodes an unsigned integer as a protobuf varint. */
export const encodeVarint = (value: number): Uint8Array => {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Uint8Array.from(bytes);
};

/** The tag and length of a length-delimited field whose payload follows (written separately, not copied). */
export const lengthDelimitedHeader = (fieldNumber: number, payloadLength: number): Uint8Array => {
  const tag = encodeVarint((fieldNumber << 3) | 2);
  const length = encodeVarint(payloadLength);
  const out = new Uint8Array(tag.length + length.length);
  out.set(tag, 0);
  out.set(length, tag.length);
  return out;
};

/** Encodes one length-delimited field (tag, length, payload): appending it to a message adds that field. */
export const lengthDelimitedField = (fieldNumber: number, payload: Uint8Array): Uint8Array => {
  const tag = encodeVarint((fieldNumber << 3) | 2);
  const length = encodeVarint(payload.length);
  const out = new Uint8Array(tag.length + length.length + payload.length);
  out.set(tag, 0);
  out.set(length, tag.length);
  out.set(payload, tag.length + length.length);
  return out;
};

/** Concatenates byte arrays; concatenated protobuf encodings of one message type merge into one message. */
export const concatBytes = (
  parts: readonly Uint8Array[],
  /** Where the result goes: a fresh Uint8Array unless given. */
  allocate: (length: number) => Uint8Array = (length) => new Uint8Array(length),
): Uint8Array => {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = allocate(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
};
