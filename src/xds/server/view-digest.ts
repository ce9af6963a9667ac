// A view's version_info, carried from plan to plan: the lane-wise sum (modulo 2^32) of a SHA-256
// prefix of each (name, version) it holds. The sum does not depend on order, so equal views have
// equal digests on every stream and replica, and a view planned as "the accepted view with a few
// names changed" gets its digest from the accepted one in O(names changed), not O(names held).
// A resource's share is hashed once per content and reused by every stream that holds it.
import { createHash } from 'node:crypto';
import type { CachedResource } from '../cache/cached-resource.js';
import type { View, ViewItem } from './type-state.js';
import type { ViewPatch } from './view-overlay.js';

const lanes = 4;

/** The digest of one view. Never changed once made: every change makes a new one. */
export type ViewDigest = Readonly<Uint32Array>;

/** The digest of an empty view. */
export const emptyDigest: ViewDigest = new Uint32Array(lanes);

const sharesByEntry = new WeakMap<CachedResource, Uint32Array>();

const hashShare = (name: string, version: string): Uint32Array => {
  const hash = createHash('sha256').update(`${name}\0${version}`).digest();
  const share = new Uint32Array(lanes);
  for (let lane = 0; lane < lanes; lane++) share[lane] = hash.readUInt32LE(lane * 4);
  return share;
};

/** One item's share of a digest (versions a delta client announced have no entry to cache it on). */
const shareOf = (name: string, item: ViewItem): Uint32Array => {
  const entry = item.entry;
  if (!entry) return hashShare(name, item.version);
  let share = sharesByEntry.get(entry);
  if (!share) sharesByEntry.set(entry, (share = hashShare(entry.name, entry.version)));
  return share;
};

// Uint32Array stores modulo 2^32, so subtracting a share undoes adding it exactly.
const add = (sums: Uint32Array, share: Uint32Array, sign: 1 | -1): void => {
  for (let lane = 0; lane < lanes; lane++) sums[lane] = sums[lane] + sign * share[lane];
};

/** The digest of a whole view: O(names in it). */
export const digestOfView = (view: View): ViewDigest => {
  const sums = new Uint32Array(lanes);
  for (const [name, item] of view) add(sums, shareOf(name, item), 1);
  return sums;
};

/** The digest of `base` with `patch` applied, from the digest of `base`: O(names in the patch). */
export const patchedDigest = (baseDigest: ViewDigest, base: View, patch: ViewPatch): ViewDigest => {
  if (patch.size === 0) return baseDigest;
  const sums = new Uint32Array(baseDigest);
  for (const [name, item] of patch) {
    const old = base.get(name);
    if (old) add(sums, shareOf(name, old), -1);
    if (item) add(sums, shareOf(name, item), 1);
  }
  return sums;
};

/** Whether two digests are equal (equal views). */
export const sameDigest = (a: ViewDigest, b: ViewDigest): boolean => {
  for (let lane = 0; lane < lanes; lane++) if (a[lane] !== b[lane]) return false;
  return true;
};

/** The version_info of a view with this digest: 32 hex digits. */
export const versionInfoOf = (digest: ViewDigest): string => {
  let text = '';
  for (let lane = 0; lane < lanes; lane++) text += digest[lane].toString(16).padStart(8, '0');
  return text;
};
