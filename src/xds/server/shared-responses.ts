// Responses shared between streams: when one cluster changes, a thousand streams owe the same
// DeltaDiscoveryResponse. It is encoded once, under one nonce from a server-wide counter, and the same
// bytes are written to every stream that needs exactly that content. A nonce only has to be new on its
// own stream, so sharing it is safe; a stream is never given the nonce of its own previous response.
import type { CachedResource } from '../cache/cached-resource.js';
import { encodeDeltaResponse, encodeSotwResponse } from './responses.js';
import type { View } from './type-state.js';

/** An encoded response and the nonce inside it. */
export interface SharedResponse {
  readonly nonce: string;
  readonly bytes: Uint8Array;
}

export interface ResponseCache {
  /** A DeltaDiscoveryResponse with these resources and removals (built on first use). */
  delta(
    typeUrl: string,
    systemVersionInfo: string,
    resources: readonly CachedResource[],
    removed: readonly string[],
    /** The stream's last nonce of this type: never handed out again. */
    previousNonce: string | undefined,
  ): SharedResponse;
  /**
   * A state-of-the-world DiscoveryResponse carrying the view's resources; `versionInfo` is the view's
   * digest, so equal digests mean equal content and the view is read only when nothing is cached.
   */
  sotw(typeUrl: string, versionInfo: string, view: View, previousNonce: string | undefined): SharedResponse;
  /**
   * A state-of-the-world DiscoveryResponse carrying only these resources (types where what a response
   * leaves out stays on the client); `versionInfo` is the digest of the client's whole next view.
   */
  sotwChanged(
    typeUrl: string,
    versionInfo: string,
    resources: readonly CachedResource[],
    previousNonce: string | undefined,
  ): SharedResponse;
  /** Forgets every response (on a snapshot change: the old ones will not be asked for again). */
  clear(): void;
  /** Responses encoded so far (for tests). */
  encoded(): number;
}

/** Keep at most this many bytes of responses; past it, start over (a cache miss only costs an encoding). */
const maxCachedBytes = 64 * 1024 * 1024;

const byName = (a: CachedResource, b: CachedResource): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/** The cache key of a response carrying exactly these resources (sorted by name), in their versions. */
const contentKey = (
  kind: string,
  typeUrl: string,
  version: string,
  sorted: readonly CachedResource[],
): string => {
  let key = `${kind}\n${typeUrl}\n${version}\n`;
  for (const resource of sorted) key += `${resource.name}\0${resource.version}\n`;
  return key;
};

/** Creates an empty response cache with its own nonce counter. */
export const createResponseCache = (): ResponseCache => {
  const responses = new Map<string, SharedResponse>();
  let cachedBytes = 0;
  let nonceCounter = 0;
  let encodedCount = 0;

  const lookup = (
    key: string,
    previousNonce: string | undefined,
    encode: (nonce: string) => Uint8Array,
  ): SharedResponse => {
    const cached = responses.get(key);
    if (cached && cached.nonce !== previousNonce) return cached;
    nonceCounter += 1;
    const nonce = String(nonceCounter);
    const response = { nonce, bytes: encode(nonce) };
    encodedCount += 1;
    if (cachedBytes + response.bytes.length > maxCachedBytes) {
      responses.clear();
      cachedBytes = 0;
    }
    if (cached) cachedBytes -= cached.bytes.length;
    responses.set(key, response);
    cachedBytes += response.bytes.length;
    return response;
  };

  return {
    delta: (typeUrl, systemVersionInfo, resources, removed, previousNonce) => {
      const sorted = [...resources].sort(byName);
      const sortedRemoved = [...removed].sort();
      let key = `${contentKey('d', typeUrl, systemVersionInfo, sorted)}\n`;
      for (const name of sortedRemoved) key += `${name}\n`;
      return lookup(key, previousNonce, (nonce) =>
        encodeDeltaResponse(typeUrl, systemVersionInfo, nonce, sorted, sortedRemoved),
      );
    },
    sotw: (typeUrl, versionInfo, view, previousNonce) =>
      lookup(`s\n${typeUrl}\n${versionInfo}`, previousNonce, (nonce) => {
        const resources: CachedResource[] = [];
        for (const item of view.values()) if (item.entry) resources.push(item.entry);
        return encodeSotwResponse(typeUrl, versionInfo, nonce, resources);
      }),
    sotwChanged: (typeUrl, versionInfo, resources, previousNonce) => {
      const sorted = [...resources].sort(byName);
      return lookup(contentKey('c', typeUrl, versionInfo, sorted), previousNonce, (nonce) =>
        encodeSotwResponse(typeUrl, versionInfo, nonce, sorted),
      );
    },
    clear: () => {
      responses.clear();
      cachedBytes = 0;
    },
    encoded: () => encodedCount,
  };
};
