// What one stream knows about one resource type: subscriptions, what the client was sent and accepted.
import type { ResourceType } from '../../envoy/resources.js';
import type { CachedResource } from '../cache/cached-resource.js';
import { digestOfView, emptyDigest, type Digest } from '../cache/type-digest.js';

/** One resource as a client has (or will have) it. `entry` is absent only for versions a delta client announced. */
export interface ViewItem {
  readonly version: string;
  readonly entry?: CachedResource;
}

/** A client's resources of one type, by name. */
export type View = ReadonlyMap<string, ViewItem>;

/** A response sent and not yet ACKed or NACKed. */
export interface InFlight {
  readonly nonce: string;
  readonly view: View;
  /** The view's digest (its version_info is versionInfoOf(digest)). */
  readonly digest: Digest;
}

/** The last NACK of one type, for the debug page. */
export interface NackInfo {
  readonly versionInfo: string;
  readonly nonce: string;
  readonly code: number;
  readonly message: string;
  readonly at: string;
}

/**
 * What the planner carries from one plan of a type to the next. A plan returns the next value
 * (`Plan.next`); the stream commits it once it answered the type, and adds changed names to `dirty`.
 */
export interface TypePlanning {
  /** Names changed in the snapshot since the last committed plan (subscribed or held ones only). */
  readonly dirty: Set<string>;
  /** Names last planned to something other than their snapshot state (waiting for a reference, or held). */
  readonly unsettled: ReadonlySet<string>;
  /**
   * The next plan must look at every name (first request, subscription change; NACKs and owed responses
   * force it too). Otherwise only `dirty` and `unsettled` names are planned: one changed cluster costs
   * O(1), not O(names held), per stream.
   */
  readonly planAll: boolean;
}

export interface TypeState {
  readonly type: ResourceType;
  /** The client has sent at least one request for this type on this stream. */
  requested: boolean;
  /** Legacy wildcard: the first request named nothing (LDS/CDS only). */
  legacyWildcard: boolean;
  /** The client subscribed to "*". */
  explicitWildcard: boolean;
  /** Names subscribed explicitly ("*" excluded). */
  names: Set<string>;
  /** SotW: resource_names of the last request, as encoded (an ACK repeating them is not decoded). */
  encodedNames?: Uint8Array;
  /** What the client last accepted. */
  acked: View;
  /** The digest of `acked` as it is now (kept with it: plans derive their digests from it). */
  ackedDigest: Digest;
  /**
   * The digest (version_info) of the response the client last accepted; undefined before the first ACK.
   * Unlike `ackedDigest`, not changed when unsubscribed names are forgotten.
   */
  ackedResponse?: Digest;
  inFlight?: InFlight;
  /** Views sent and NACKed since the last ACK: the client may have applied parts of them (Envoy does for CDS/LDS). */
  possiblyApplied: View[];
  /** The version_info of the last NACKed response: an identical response is not resent. */
  nackedVersionInfo?: string;
  /** A response is owed even if nothing changed (first request, subscription change). */
  mustRespond: boolean;
  /** Delta: names to (re)send even if the client is believed to have them. */
  forceNames: Set<string>;
  lastNack?: NackInfo;
  nackCount: number;
  /** version_infos whose NACK was already logged (log once per client, type and version). */
  loggedNacks: Set<string>;
  /** Planning state; only the stream replaces it (with a plan's `next`, or to force a full plan). */
  planning: TypePlanning;
}

const legacyWildcardTypes: ReadonlySet<ResourceType> = new Set(['listener', 'cluster']);

/**
 * Whether a state-of-the-world response of this type must carry every resource the client should have
 * (listeners and clusters: what a response leaves out is removed). For the other types a response
 * carries what changed, as a delta response would; what it leaves out stays on the client.
 */
export const sotwSendsWholeView = (type: ResourceType): boolean => legacyWildcardTypes.has(type);

/** A fresh state for a type the client has not asked for yet. */
export const newTypeState = (type: ResourceType): TypeState => ({
  type,
  requested: false,
  legacyWildcard: false,
  explicitWildcard: false,
  names: new Set(),
  acked: new Map(),
  ackedDigest: emptyDigest,
  possiblyApplied: [],
  mustRespond: false,
  forceNames: new Set(),
  nackCount: 0,
  loggedNacks: new Set(),
  planning: { dirty: new Set(), unsettled: new Set(), planAll: true },
});

/** Whether the client wants every resource of this type. */
export const isWildcard = (state: TypeState): boolean =>
  state.explicitWildcard || (state.legacyWildcard && state.names.size === 0);

/** Whether the client wants the named resource. */
export const isSubscribed = (state: TypeState | undefined, name: string): boolean =>
  state !== undefined && state.requested && (isWildcard(state) || state.names.has(name));

/** What the client has been sent most recently (its in-flight response, else its accepted state). */
export const clientView = (state: TypeState): View => state.inFlight?.view ?? state.acked;

const withoutNames = (view: View, drop: (name: string) => boolean): View => {
  const kept = new Map<string, ViewItem>();
  for (const [name, item] of view) if (!drop(name)) kept.set(name, item);
  return kept;
};

/** Forgets resources the client no longer wants (it drops them itself when it unsubscribes). */
export const forgetUnsubscribed = (state: TypeState): void => {
  const drop = (name: string): boolean => !isSubscribed(state, name);
  state.acked = withoutNames(state.acked, drop);
  state.ackedDigest = digestOfView(state.acked);
  if (state.inFlight) {
    const view = withoutNames(state.inFlight.view, drop);
    state.inFlight = { ...state.inFlight, view, digest: digestOfView(view) };
  }
};

/** Applies a state-of-the-world request's resource_names; returns whether the subscription changed. */
export const applySotwNames = (state: TypeState, resourceNames: readonly string[]): boolean => {
  const first = !state.requested;
  const wildcardBefore = isWildcard(state);
  const namesBefore = state.names;
  state.requested = true;
  if (first && resourceNames.length === 0 && legacyWildcardTypes.has(state.type)) state.legacyWildcard = true;
  if (resourceNames.length > 0) state.legacyWildcard = false;
  state.explicitWildcard = resourceNames.includes('*');
  state.names = new Set(resourceNames.filter((n) => n !== '*'));
  // Set equality without sorting: every ACK of a 1,000-name subscription comes through here.
  const sameNames =
    namesBefore.size === state.names.size && [...state.names].every((name) => namesBefore.has(name));
  const changed = first || wildcardBefore !== isWildcard(state) || !sameNames;
  // An ACK naming the same resources changes nothing: leave the views alone.
  if (changed) forgetUnsubscribed(state);
  return changed;
};

/** Applies a delta request's subscribe/unsubscribe lists (and, on the first request, the client's known versions). */
export const applyDeltaSubscriptions = (
  state: TypeState,
  subscribe: readonly string[],
  unsubscribe: readonly string[],
  initialVersions: Readonly<Record<string, string>>,
  current: ReadonlyMap<string, CachedResource>,
): void => {
  const first = !state.requested;
  if (first) {
    state.requested = true;
    state.mustRespond = true;
    if (subscribe.length === 0 && legacyWildcardTypes.has(state.type)) state.legacyWildcard = true;
    const known = new Map<string, ViewItem>();
    for (const [name, version] of Object.entries(initialVersions)) {
      const entry = current.get(name);
      known.set(name, entry?.version === version ? { version, entry } : { version });
    }
    state.acked = known;
    state.ackedDigest = digestOfView(known);
  }
  for (const name of subscribe) {
    if (name === '*') {
      state.explicitWildcard = true;
      continue;
    }
    state.names.add(name);
    state.legacyWildcard = false;
    // The client may have dropped a resource and want it back: resend unless it just told us its version.
    if (initialVersions[name] === undefined || current.get(name)?.version !== initialVersions[name]) {
      state.forceNames.add(name);
    }
  }
  for (const name of unsubscribe) {
    if (name === '*') {
      state.explicitWildcard = false;
      state.legacyWildcard = false;
    } else {
      state.names.delete(name);
    }
    state.forceNames.delete(name);
  }
  // An ACK carries no subscription change: leave the views (possibly 10,000 names) alone.
  if (!first && subscribe.length === 0 && unsubscribe.length === 0) return;
  state.planning = { ...state.planning, planAll: true };
  forgetUnsubscribed(state);
};
