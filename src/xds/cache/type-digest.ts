// The one digest of a set of (name, version) pairs: the sum, lane by lane modulo 2^32, of a SHA-256
// prefix of each pair. The sum does not depend on order, so equal sets give equal digests on every
// stream and replica, and a set changed in a few names gets its digest from the old one in
// O(names changed), not O(names held). The snapshot cache keeps one running digest per type (its
// type and snapshot hashes); each xDS stream carries its views' digests (their version_info) from plan
// to plan. A resource's share is hashed once per content and reused by every stream that holds it.
import { createHash } from 'node:crypto';
import { shortHash, type CachedResource } from './cached-resource.js';

const lanes = 4;

/** A digest. Never changed once made: every change makes a new one. */
export type Digest = Readonly<Uint32Array>;

/** One (name, version) pair as a set holds it: `entry` is absent only for versions a delta client announced. */
export interface DigestItem {
  readonly version: string;
  readonly entry?: CachedResource;
}

/** The digest of an empty set. */
export const emptyDigest: Digest = new Uint32Array(lanes);

const sharesByEntry = new WeakMap<CachedResource, Uint32Array>();

const hashShare = (name: string, version: string): Uint32Array => {
  const hash = createHash('sha256').update(`${name}\0${version}`).digest();
  const share = new Uint32Array(lanes);
  for (let lane = 0; lane < lanes; lane++) share[lane] = hash.readUInt32LE(lane * 4);
  return share;
};

/** A resource's share of a digest, hashed once per cache entry. */
const entryShare = (entry: CachedResource): Uint32Array => {
  let share = sharesByEntry.get(entry);
  if (!share) sharesByEntry.set(entry, (share = hashShare(entry.name, entry.version)));
  return share;
};

const itemShare = (name: string, item: DigestItem): Uint32Array =>
  item.entry ? entryShare(item.entry) : hashShare(name, item.version);

// Uint32Array stores modulo 2^32, so subtracting a share undoes adding it exactly.
const add = (sums: Uint32Array, share: Uint32Array, sign: 1 | -1): void => {
  for (let lane = 0; lane < lanes; lane++) sums[lane] = sums[lane] + sign * share[lane];
};

/** The digest of a whole set: O(names in it). */
export const digestOfView = (view: ReadonlyMap<string, DigestItem>): Digest => {
  const sums = new Uint32Array(lanes);
  for (const [name, item] of view) add(sums, itemShare(name, item), 1);
  return sums;
};

/** The digest of `base` with `patch` applied (undefined: name dropped), from the digest of `base`: O(names in the patch). */
export const patchedDigest = (
  baseDigest: Digest,
  base: ReadonlyMap<string, DigestItem>,
  patch: ReadonlyMap<string, DigestItem | undefined>,
): Digest => {
  if (patch.size === 0) return baseDigest;
  const sums = new Uint32Array(baseDigest);
  for (const [name, item] of patch) {
    const old = base.get(name);
    if (old) add(sums, itemShare(name, old), -1);
    if (item) add(sums, itemShare(name, item), 1);
  }
  return sums;
};

/** Whether two digests are equal (equal sets). */
export const sameDigest = (a: Digest, b: Digest): boolean => {
  for (let lane = 0; lane < lanes; lane++) if (a[lane] !== b[lane]) return false;
  return true;
};

/** The version_info of a set with this digest: 32 hex digits. */
export const versionInfoOf = (digest: Digest): string => {
  let text = '';
  for (let lane = 0; lane < lanes; lane++) text += digest[lane].toString(16).padStart(8, '0');
  return text;
};

/** The running digest of one resource type in the snapshot cache. */
export interface TypeDigest {
  add(entry: CachedResource): void;
  remove(entry: CachedResource): void;
  /** Short hex hash of the current set. */
  value(): string;
}

/** An empty running digest. */
export const createTypeDigest = (): TypeDigest => {
  const sums = new Uint32Array(lanes);
  let count = 0;
  let cached: string | undefined;
  const apply = (entry: CachedResource, sign: 1 | -1): void => {
    add(sums, entryShare(entry), sign);
    count += sign;
    cached = undefined;
  };
  return {
    add: (entry) => apply(entry, 1),
    remove: (entry) => apply(entry, -1),
    value: () => (cached ??= shortHash(`${count}:${Array.from(sums).join(',')}`)),
  };
};
