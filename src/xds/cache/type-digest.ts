// An order-independent digest of one type's (name, version) pairs, updated in O(1) per change:
// the sum, lane by lane modulo 2^32, of a SHA-256 prefix of each pair. Equal sets give equal
// digests whatever the order they were built in, so replicas with equal content agree, and an
// EndpointSlice event does not re-hash the 10,000 assignments it did not touch.
import { createHash } from 'node:crypto';
import { shortHash } from './cached-resource.js';

const lanes = 4;

/** The running digest of one resource type. */
export interface TypeDigest {
  add(name: string, version: string): void;
  remove(name: string, version: string): void;
  /** Short hex hash of the current set. */
  value(): string;
}

const laneValues = (name: string, version: string): Uint32Array => {
  const digest = createHash('sha256').update(`${name}\0${version}`).digest();
  return new Uint32Array(digest.buffer.slice(digest.byteOffset, digest.byteOffset + lanes * 4));
};

/** An empty digest. */
export const createTypeDigest = (): TypeDigest => {
  const sums = new Uint32Array(lanes);
  let count = 0;
  let cached: string | undefined;
  const apply = (name: string, version: string, sign: 1 | -1): void => {
    const values = laneValues(name, version);
    // Uint32Array stores modulo 2^32, so adding then subtracting a pair restores the sum exactly.
    for (let lane = 0; lane < lanes; lane++) sums[lane] = sums[lane] + sign * values[lane];
    count += sign;
    cached = undefined;
  };
  return {
    add: (name, version) => apply(name, version, 1),
    remove: (name, version) => apply(name, version, -1),
    value: () => (cached ??= shortHash(`${count}:${Array.from(sums).join(',')}`)),
  };
};
