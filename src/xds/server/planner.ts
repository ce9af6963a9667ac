// Make before break: what each type's next response may contain so that, on one stream, nothing sent
// refers to something the client has not been sent, and nothing is removed while something sent refers to it.
//
// Rules (a resource R of type T refers to name m of type U):
// - If the client subscribes to m (wildcard or by name) and m exists, R waits until the client has accepted
//   (ACKed) a response holding m in its current version. Waiting for the ACK, not just the send, costs one round trip for new
//   names but keeps R from dangling when the response carrying m is rejected.
//   Names the client has not subscribed to cannot be pushed; clients subscribe after seeing the reference
//   (Envoy does so for RDS/EDS/SDS, gRPC clients for every type), so they do not gate.
// - A cluster with EDS is "ready" for referrers only once its ClusterLoadAssignment was accepted too, or the client
//   answered the cluster's response without subscribing to it (a client that does not use EDS).
// - A resource gone from the snapshot stays in the client's view while anything the client was sent or
//   accepted (including NACKed responses it may have partly applied) still refers to it.
// - While a resource waits, the client keeps its previous version of it (or does not get it yet).
// Types are planned in an order where every referenced type comes before its referrers.
import type { ResourceType } from '../../envoy/resources.js';
import type { CachedResource } from '../cache/cached-resource.js';
import type { ResourceMap } from '../cache/snapshot-cache.js';
import { overlayView } from './view-overlay.js';
import {
  clientView,
  isSubscribed,
  isWildcard,
  type TypeState,
  type View,
  type ViewItem,
} from './type-state.js';

/** The order types are planned and sent in: every type before the types that refer to it. */
export const sendOrder: readonly ResourceType[] = ['secret', 'cluster', 'endpoint', 'route', 'listener'];

/** Reads the current snapshot's resources of one type. */
export type SnapshotReader = (type: ResourceType) => ResourceMap;

/** Names of each type that something the client has (or may have) refers to. */
const heldNames = (types: ReadonlyMap<ResourceType, TypeState>, snapshot: SnapshotReader) => {
  const held = new Map<ResourceType, Set<string>>();
  const addView = (view: View, type: ResourceType) => {
    for (const [name, item] of view) {
      // Versions a delta client announced on reconnect have no entry: use the current one if it matches.
      const entry = item.entry ?? matchingEntry(snapshot, type, name, item.version);
      if (!entry) continue;
      for (const [refType, names] of Object.entries(entry.references) as [
        ResourceType,
        readonly string[],
      ][]) {
        let set = held.get(refType);
        if (!set) held.set(refType, (set = new Set()));
        for (const name of names) set.add(name);
      }
    }
  };
  for (const [type, state] of types) {
    addView(state.acked, type);
    if (state.inFlight) addView(state.inFlight.view, type);
    for (const view of state.possiblyApplied) addView(view, type);
  }
  return held;
};

const matchingEntry = (snapshot: SnapshotReader, type: ResourceType, name: string, version: string) => {
  const entry = snapshot(type).get(name);
  return entry?.version === version ? entry : undefined;
};

/** The next view of each requested type, and the names something the client has still refers to. */
export interface Plan {
  targets: Map<ResourceType, View>;
  /**
   * Types planned from their changed and unsettled names only: those names (the only ones whose item
   * may differ from what the client accepted). A type not listed was planned name by name.
   */
  touched: Map<ResourceType, ReadonlySet<string>>;
  /** Names of a type that something the client has (or may have) refers to; computed on first use. */
  held(type: ResourceType): ReadonlySet<string> | undefined;
}

/** Counts of plans made, by kind (tests check that both kinds are exercised). */
export const planCounts = { incremental: 0, full: 0, crossChecked: 0 };

let crossCheck = false;

/**
 * Tests: also plan every incremental type name by name and throw if the two views differ (in any name
 * or version). Makes every plan O(names held) again.
 */
export const setPlanCrossCheck = (enabled: boolean): void => {
  crossCheck = enabled;
};

const sameView = (a: View, b: View): boolean => {
  if (a.size !== b.size) return false;
  for (const [name, item] of a) if (b.get(name)?.version !== item.version) return false;
  return true;
};

/** Whether a type's next plan may look only at its dirty and unsettled names. */
const canPlanIncrementally = (state: TypeState, variant: 'sotw' | 'delta'): boolean =>
  variant === 'delta' &&
  !state.replan &&
  !state.mustRespond &&
  state.forceNames.size === 0 &&
  state.possiblyApplied.length === 0;

/**
 * Computes the view each requested type should move to next (types with a response in flight keep theirs).
 * Records on each planned type which names are still unsettled and clears its dirty names: the caller
 * must send (or find nothing to send for) every planned type, or set `replan` on the ones it did not.
 */
export const planTargets = (
  types: ReadonlyMap<ResourceType, TypeState>,
  snapshot: SnapshotReader,
  variant: 'sotw' | 'delta',
): Plan => {
  const targets = new Map<ResourceType, View>();
  const touched = new Map<ResourceType, ReadonlySet<string>>();
  let heldByType: Map<ResourceType, Set<string>> | undefined;
  const held = (type: ResourceType): ReadonlySet<string> | undefined =>
    (heldByType ??= heldNames(types, snapshot)).get(type);

  const targetOf = (type: ResourceType): View | undefined => {
    const planned = targets.get(type);
    if (planned) return planned;
    const state = types.get(type);
    return state ? clientView(state) : undefined;
  };

  /** Whether a direct reference to m of type U allows sending its referrer now. */
  const referenceReady = (refType: ResourceType, name: string): boolean => {
    const state = types.get(refType);
    if (!state || !isSubscribed(state, name) || !snapshot(refType).has(name)) return true;
    // Accepted, not merely sent: had the response carrying it been NACKed, the referrer would dangle.
    // In its current version: a changed cluster (say, a new EDS name) must be in place before new referrers.
    // And still there in what is sent next: a response in flight (or planned) may be removing it.
    const version = snapshot(refType).get(name)!.version;
    return state.acked.get(name)?.version === version && (targetOf(refType)?.has(name) ?? false);
  };

  /** Whether a cluster may be referred to: sent, and its endpoints sent or not expected. */
  const clusterReady = (name: string): boolean => {
    if (!referenceReady('cluster', name)) return false;
    const clusterState = types.get('cluster');
    const cluster = targetOf('cluster')?.get(name)?.entry;
    if (!clusterState || !cluster || !isSubscribed(clusterState, name)) return true;
    for (const endpointName of cluster.references.endpoint ?? []) {
      if (!snapshot('endpoint').has(endpointName)) continue;
      const endpointState = types.get('endpoint');
      if (isSubscribed(endpointState, endpointName)) {
        if (!endpointState!.acked.has(endpointName) || !(targetOf('endpoint')?.has(endpointName) ?? false)) {
          return false;
        }
      } else if (clusterState.acked.get(name)?.version !== cluster.version) {
        // The client has not accepted this version of the cluster yet: it may be about to subscribe.
        return false;
      }
    }
    return true;
  };

  const ready = (type: ResourceType, entry: CachedResource): boolean => {
    for (const [refType, names] of Object.entries(entry.references) as [ResourceType, readonly string[]][]) {
      // A cluster's endpoints follow the cluster; they never hold it back.
      if (refType === 'endpoint' && type === 'cluster') continue;
      for (const name of names) {
        if (refType === 'cluster' ? !clusterReady(name) : !referenceReady(refType, name)) return false;
      }
    }
    return true;
  };

  /** The item the client should have next for one name (undefined: not in the view). */
  const itemFor = (
    state: TypeState,
    name: string,
    resources: ResourceMap,
    keepsOmitted: boolean,
  ): { item: ViewItem | undefined; desired: CachedResource | undefined } => {
    if (!isSubscribed(state, name)) return { item: undefined, desired: undefined };
    const named = resources.get(name);
    // A named-only resource is wanted only by name; a wildcard subscriber is treated as not having it.
    const desired = named?.namedOnly && !state.names.has(name) ? undefined : named;
    const have = state.acked.get(name);
    if (desired) {
      if (have?.version === desired.version || ready(state.type, desired)) {
        return { item: { version: desired.version, entry: desired }, desired };
      }
      return { item: have, desired };
    }
    if (have && ((held(state.type)?.has(name) ?? false) || keepsOmitted)) return { item: have, desired };
    return { item: undefined, desired };
  };

  /** Whether a planned item is what the snapshot says (else the name is re-planned every time). */
  const isSettled = (item: ViewItem | undefined, desired: CachedResource | undefined): boolean =>
    desired ? item?.version === desired.version : item === undefined;

  /** Plans every name the client subscribes to or has: the reference the incremental plan must equal. */
  const planAllNames = (state: TypeState, resources: ResourceMap) => {
    const candidates = new Set<string>(state.names);
    if (isWildcard(state)) for (const [name, entry] of resources) if (!entry.namedOnly) candidates.add(name);
    for (const name of state.acked.keys()) candidates.add(name);
    // A state-of-the-world client drops a resource of a type it names explicitly only when it stops
    // naming it; leaving it out of a response changes nothing on the client, so it stays in its view.
    const keepsOmitted = variant === 'sotw' && !isWildcard(state);
    const target = new Map<string, ViewItem>();
    const unsettled = new Set<string>();
    for (const name of candidates) {
      const { item, desired } = itemFor(state, name, resources, keepsOmitted);
      if (item) target.set(name, item);
      if (!isSettled(item, desired)) unsettled.add(name);
    }
    return { target, unsettled };
  };

  for (const type of sendOrder) {
    const state = types.get(type);
    if (!state || !state.requested) continue;
    if (state.inFlight) {
      targets.set(type, state.inFlight.view);
      continue;
    }
    const resources = snapshot(type);
    if (canPlanIncrementally(state, variant)) {
      // Only names that changed, or that were waiting, can move; every other name stays as accepted.
      const names = new Set([...state.dirty, ...state.unsettled]);
      const patch = new Map<string, ViewItem | undefined>();
      for (const name of names) {
        const { item, desired } = itemFor(state, name, resources, false);
        if (item !== state.acked.get(name)) patch.set(name, item);
        if (isSettled(item, desired)) state.unsettled.delete(name);
        else state.unsettled.add(name);
      }
      const target = overlayView(state.acked, patch);
      planCounts.incremental += 1;
      if (crossCheck) {
        planCounts.crossChecked += 1;
        const full = planAllNames(state, resources);
        if (!sameView(target, full.target) || !sameView(full.target, target))
          throw new Error(`incremental plan of ${type} differs from the full plan`);
      }
      state.dirty.clear();
      targets.set(type, target);
      touched.set(type, names);
      continue;
    }
    const { target, unsettled } = planAllNames(state, resources);
    planCounts.full += 1;
    state.unsettled = unsettled;
    state.dirty.clear();
    state.replan = false;
    targets.set(type, target);
  }
  return { targets, touched, held };
};
