// Responses written to many streams without a copy per stream.
//
// grpc-js frames every outgoing message itself: it allocates a new buffer of the message's length plus
// the 5-byte gRPC message header and copies the serialized message into it, once per stream and
// message. A shared response (src/xds/server/shared-responses.ts) is the same bytes for every stream
// that owes that content, so at N = 10,000 an HTTPProxy edit made 100 copies of the 2 MB
// `ingress_http` response, 230 MB of short-lived buffers whose collection cost more than the copies.
//
// Here a response is encoded once into a buffer that already holds the frame header in front of the
// message, and grpc-js's server-side framing step returns that buffer as it is for messages allocated
// here. The buffer is never written to after encoding, so every stream may send it. Any other message
// takes grpc-js's own path unchanged. The hook replaces one method of grpc-js's server call class; if
// a grpc-js release renames or drops it, nothing is replaced and every message is copied as before
// (`installFramedWrites()` reports which, and a test pins it for the grpc-js version in the lockfile).
import { createRequire } from 'node:module';

/** Bytes of the gRPC message header: a compression flag and a 4-byte big-endian length. */
const frameHeaderLength = 5;

/** Each message allocated here, to the framed buffer it is the tail of. */
const framedBuffers = new WeakMap<Uint8Array, Buffer>();

/**
 * Allocates room for a message of `length` bytes behind an uncompressed gRPC frame header. Fill the
 * returned bytes completely, and do not change them after the first write to a stream.
 */
export const allocateFramed = (length: number): Uint8Array => {
  const framed = Buffer.allocUnsafe(frameHeaderLength + length);
  framed[0] = 0;
  framed.writeUInt32BE(length, 1);
  const message = new Uint8Array(framed.buffer, framed.byteOffset + frameHeaderLength, length);
  framedBuffers.set(message, framed);
  return message;
};

/** The framed buffer behind a message from allocateFramed, if it is one. */
export const framedBufferOf = (message: unknown): Buffer | undefined =>
  message instanceof Uint8Array ? framedBuffers.get(message) : undefined;

interface ServerCallPrototype {
  serializeMessage?: (this: unknown, value: unknown) => Buffer;
  [hooked]?: true;
}

const hooked = Symbol('contour.framedWrites');
let installed: boolean | undefined;

/**
 * Makes grpc-js send messages from allocateFramed without copying them. Idempotent; returns whether
 * the hook is in place (false when this grpc-js has no such method to hook).
 */
export const installFramedWrites = (): boolean => {
  if (installed !== undefined) return installed;
  installed = false;
  let prototype: ServerCallPrototype | undefined;
  try {
    // grpc-js is CommonJS without an exports map, so its modules resolve by path.
    const require = createRequire(import.meta.url);
    const module = require('@grpc/grpc-js/build/src/server-interceptors.js') as {
      BaseServerInterceptingCall?: { prototype: ServerCallPrototype };
    };
    prototype = module.BaseServerInterceptingCall?.prototype;
  } catch {
    return installed;
  }
  const original = prototype?.serializeMessage;
  if (!prototype || typeof original !== 'function') return installed;
  if (!prototype[hooked]) {
    prototype.serializeMessage = function serializeMessage(this: unknown, value: unknown): Buffer {
      return framedBufferOf(value) ?? original.call(this, value);
    };
    prototype[hooked] = true;
  }
  installed = true;
  return installed;
};
