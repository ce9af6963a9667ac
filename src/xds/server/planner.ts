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
import { digestOfView, patchedDigest, sameDigest, type Digest } from '../cache/type-digest.js';
import { overlayView } from './view-overlay.js';
import {
  clientView,
  isSubscribed,
  isWildcard,
  type TypePlanning,
  type TypeState,
  type View,
  type ViewItem,
} from './type-state.js';

/** The order types are planned and sent in: every type before the types that refer to it. */
export const sendOrder: readonly ResourceType[] = [
  'runtime',
  'secret',
  'cluster',
  'endpoint',
  'route',
  'listener',
];

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

/** Counts of plans made, by kind (tests check that both kinds are exercised). */
export interface PlanCounts {
  incremental: number;
  full: number;
  crossChecked: number;
  settledSkips: number;
}

/** Test instrumentation a server can be given (`XdsServerOptions.planHooks`); production passes none. */
export interface PlanHooks {
  /**
   * Also plan every incremental type name by name and throw if the two views differ (in any name or
   * version), and check references to settled types one by one. Makes every plan O(names held) again.
   */
  readonly crossCheck?: boolean;
  /** Incremented as plans are made. */
  readonly counts?: PlanCounts;
}

/** The next view of each requested type, and what the caller needs to build the responses. */
export interface Plan {
  readonly targets: Map<ResourceType, View>;
  /**
   * Each planned type's planning state once its response is sent (or found unnecessary): the caller
   * commits it for the types it answered; a type it did not answer keeps its state, as if not planned.
   */
  readonly next: Map<ResourceType, TypePlanning>;
  /** The digest of each target (its version_info), derived from the accepted view's when planned incrementally. */
  readonly digests: Map<ResourceType, Digest>;
  /**
   * Types planned from their changed and unsettled names only: those names (the only ones whose item
   * may differ from what the client accepted). A type not listed was planned name by name.
   */
  readonly touched: Map<ResourceType, ReadonlySet<string>>;
  readonly types: ReadonlyMap<ResourceType, TypeState>;
  readonly snapshot: SnapshotReader;
  readonly variant: 'sotw' | 'delta';
  /** Computed on first use (heldOf): walking every view is what incremental plans avoid. */
  heldByType?: Map<ResourceType, Set<string>>;
  /**
   * Types whose accepted view is, name for name, what the snapshot holds for every name subscribed:
   * planned from their changed names with nothing changed and nothing waiting (so no response in flight
   * and no NACKed one outstanding either). Every reference to them is ready, so referrers skip the walk:
   * the plaintext route configuration refers to ~9,000 clusters, and Envoys subscribe to all of them.
   */
  readonly settled: Set<ResourceType>;
  readonly hooks: PlanHooks;
}

/** Names of a type that something the client has (or may have) refers to. */
export const heldOf = (plan: Plan, type: ResourceType): ReadonlySet<string> | undefined =>
  (plan.heldByType ??= heldNames(plan.types, plan.snapshot)).get(type);

const sameView = (a: View, b: View): boolean => {
  if (a.size !== b.size) return false;
  for (const [name, item] of a) if (b.get(name)?.version !== item.version) return false;
  return true;
};

/**
 * Whether a type's next plan may look only at its dirty and unsettled names: every other name is then
 * planned to what the client accepted. Not after a NACK (the possibly applied views change which
 * names are held), nor when the subscription changed or a response is owed regardless.
 */
const canPlanIncrementally = (state: TypeState): boolean =>
  !state.planning.planAll &&
  !state.mustRespond &&
  state.forceNames.size === 0 &&
  state.possiblyApplied.length === 0;

// The planning functions below are module-level and take the plan: a stream plans on every change and
// every ACK, and closures made per plan cost more than the plan itself when one name changed.

/** What the client is planned to have of a type: this plan's target, else what it was last sent. */
const targetOf = (plan: Plan, type: ResourceType): View | undefined => {
  const planned = plan.targets.get(type);
  if (planned) return planned;
  const state = plan.types.get(type);
  return state ? clientView(state) : undefined;
};

/**
 * One referenced type as the readiness checks see it, looked up once per resource checked rather than
 * once per reference (the plaintext route configuration refers to thousands of clusters).
 */
interface ReferencedType {
  readonly state: TypeState;
  readonly current: ResourceMap;
  /** What the client is planned to have of the type. */
  readonly target: View | undefined;
}

const referencedType = (plan: Plan, type: ResourceType): ReferencedType | undefined => {
  const state = plan.types.get(type);
  // A type the client never asked for is never sent to it, so its names hold nothing back.
  if (!state || !state.requested) return undefined;
  return { state, current: plan.snapshot(type), target: targetOf(plan, type) };
};

/** Whether a direct reference to m of type U allows sending its referrer now. */
const referenceReady = ({ state, current, target }: ReferencedType, name: string): boolean => {
  if (!isSubscribed(state, name)) return true;
  const entry = current.get(name);
  if (!entry) return true;
  // Accepted, not merely sent: had the response carrying it been NACKed, the referrer would dangle.
  // In its current version: a changed cluster (say, a new EDS name) must be in place before new referrers.
  // And still that version in what is sent next: a response in flight (or planned) may be removing it,
  // or changing it (a static cluster the client accepted, now on its way as an EDS one, comes back).
  return state.acked.get(name)?.version === entry.version && target?.get(name)?.version === entry.version;
};

/** Whether a cluster may be referred to: sent, and its endpoints sent or not expected. */
const clusterReady = (
  clusters: ReferencedType,
  endpointSnapshot: ResourceMap,
  endpoints: ReferencedType | undefined,
  name: string,
): boolean => {
  if (!referenceReady(clusters, name)) return false;
  const cluster = clusters.target?.get(name)?.entry;
  if (!cluster || !isSubscribed(clusters.state, name)) return true;
  for (const endpointName of cluster.references.endpoint ?? []) {
    if (!endpointSnapshot.has(endpointName)) continue;
    if (endpoints !== undefined && isSubscribed(endpoints.state, endpointName)) {
      if (!endpoints.state.acked.has(endpointName) || !(endpoints.target?.has(endpointName) ?? false)) {
        return false;
      }
    } else if (clusters.state.acked.get(name)?.version !== cluster.version) {
      // The client has not accepted this version of the cluster yet: it may be about to subscribe.
      return false;
    }
  }
  return true;
};

/**
 * Whether every reference to names of a type is ready without looking at them: the type is settled
 * (clusters: and their endpoints too, when the client asked for endpoints at all).
 */
const allReady = (plan: Plan, refType: ResourceType): boolean => {
  if (!plan.settled.has(refType)) return false;
  if (refType !== 'cluster') return true;
  return plan.types.get('endpoint')?.requested !== true || plan.settled.has('endpoint');
};

/** Whether the names of one type a resource refers to allow sending it now, looked at one by one. */
const namesReady = (plan: Plan, refType: ResourceType, names: readonly string[]): boolean => {
  const referenced = referencedType(plan, refType);
  if (!referenced) return true;
  if (refType === 'cluster') {
    const endpointSnapshot = plan.snapshot('endpoint');
    const endpoints = referencedType(plan, 'endpoint');
    for (const name of names) {
      if (!clusterReady(referenced, endpointSnapshot, endpoints, name)) return false;
    }
    return true;
  }
  for (const name of names) if (!referenceReady(referenced, name)) return false;
  return true;
};

/** Whether everything a resource refers to allows sending it now. */
const ready = (plan: Plan, type: ResourceType, entry: CachedResource): boolean => {
  for (const key in entry.references) {
    const refType = key as ResourceType;
    // A cluster's endpoints follow the cluster; they never hold it back.
    if (refType === 'endpoint' && type === 'cluster') continue;
    const names = entry.references[refType]!;
    if (!allReady(plan, refType)) {
      if (!namesReady(plan, refType, names)) return false;
    } else {
      if (plan.hooks.counts) plan.hooks.counts.settledSkips += 1;
      if (plan.hooks.crossCheck && !namesReady(plan, refType, names)) {
        throw new Error(
          `${refType} is settled in a ${plan.variant} plan, yet a ${type} refers to one not ready`,
        );
      }
    }
  }
  return true;
};

/** The item the client should have next for one name (undefined: not in the view). */
const itemFor = (
  plan: Plan,
  state: TypeState,
  name: string,
  desired: CachedResource | undefined,
  keepsOmitted: boolean,
): ViewItem | undefined => {
  const have = state.acked.get(name);
  if (desired) {
    if (have?.version === desired.version || ready(plan, state.type, desired)) {
      return have?.version === desired.version && have.entry === desired
        ? have
        : { version: desired.version, entry: desired };
    }
    return have;
  }
  // keepsOmitted first: heldOf walks every view the client has, once per plan.
  if (have && (keepsOmitted || (heldOf(plan, state.type)?.has(name) ?? false))) return have;
  return undefined;
};

/** The resource the client should end up with for a name, if any (named-only ones only when named). */
const desiredOf = (state: TypeState, name: string, resources: ResourceMap): CachedResource | undefined => {
  if (!isSubscribed(state, name)) return undefined;
  const named = resources.get(name);
  // A named-only resource is wanted only by name; a wildcard subscriber is treated as not having it.
  return named?.namedOnly && !state.names.has(name) ? undefined : named;
};

/** Whether a planned item is what the snapshot says (else the name is re-planned every time). */
const isSettled = (item: ViewItem | undefined, desired: CachedResource | undefined): boolean =>
  desired ? item?.version === desired.version : item === undefined;

/**
 * A state-of-the-world client drops a resource of a type it names explicitly only when it stops
 * naming it; leaving it out of a response changes nothing on the client, so it stays in its view.
 */
const keepsOmitted = (plan: Plan, state: TypeState): boolean => plan.variant === 'sotw' && !isWildcard(state);

/** Plans every name the client subscribes to or has: the reference the incremental plan must equal. */
const planAllNames = (plan: Plan, state: TypeState, resources: ResourceMap) => {
  const candidates = new Set<string>(state.names);
  if (isWildcard(state)) for (const [name, entry] of resources) if (!entry.namedOnly) candidates.add(name);
  for (const name of state.acked.keys()) candidates.add(name);
  const keeps = keepsOmitted(plan, state);
  const target = new Map<string, ViewItem>();
  const unsettled = new Set<string>();
  for (const name of candidates) {
    if (!isSubscribed(state, name)) continue;
    const desired = desiredOf(state, name, resources);
    const item = itemFor(plan, state, name, desired, keeps);
    if (item) target.set(name, item);
    if (!isSettled(item, desired)) unsettled.add(name);
  }
  return { target, unsettled };
};

/** Plans one type from its dirty and unsettled names only, over an overlay of what it accepted. */
const planChangedNames = (plan: Plan, state: TypeState, resources: ResourceMap): void => {
  const { dirty, unsettled: waiting } = state.planning;
  const names: ReadonlySet<string> = waiting.size === 0 ? dirty : new Set([...dirty, ...waiting]);
  const keeps = keepsOmitted(plan, state);
  let patch: Map<string, ViewItem | undefined> | undefined;
  // Names outside `names` keep their standing: settled ones stay settled, and every waiting name is in it.
  const unsettled = new Set<string>();
  for (const name of names) {
    const desired = desiredOf(state, name, resources);
    const item = isSubscribed(state, name) ? itemFor(plan, state, name, desired, keeps) : undefined;
    if (item !== state.acked.get(name)) (patch ??= new Map()).set(name, item);
    if (!isSettled(item, desired)) unsettled.add(name);
  }
  const target = patch ? overlayView(state.acked, patch) : state.acked;
  if (!patch && unsettled.size === 0) plan.settled.add(state.type);
  // The version_info follows from the accepted one and the changed names, not from every name.
  const digest = patch ? patchedDigest(state.ackedDigest, state.acked, patch) : state.ackedDigest;
  const { counts, crossCheck } = plan.hooks;
  if (counts) counts.incremental += 1;
  if (crossCheck) {
    if (counts) counts.crossChecked += 1;
    const full = planAllNames(plan, state, resources);
    if (!sameView(target, full.target) || !sameView(full.target, target))
      throw new Error(`incremental ${plan.variant} plan of ${state.type} differs from the full plan`);
    if (!sameDigest(digest, digestOfView(full.target)))
      throw new Error(`incremental ${plan.variant} digest of ${state.type} differs from the full view's`);
  }
  // The names are handed to the response as they are: the next changes go to a fresh set.
  plan.next.set(state.type, { dirty: new Set(), unsettled, planAll: false });
  plan.targets.set(state.type, target);
  plan.digests.set(state.type, digest);
  plan.touched.set(state.type, names);
};

/**
 * Computes the view each requested type should move to next (types with a response in flight keep
 * theirs), and each planned type's next planning state (`Plan.next`). Changes nothing: the caller
 * commits `next` for the types it answers.
 */
export const planTargets = (
  types: ReadonlyMap<ResourceType, TypeState>,
  snapshot: SnapshotReader,
  variant: 'sotw' | 'delta',
  hooks: PlanHooks = {},
): Plan => {
  const plan: Plan = {
    targets: new Map(),
    next: new Map(),
    digests: new Map(),
    touched: new Map(),
    types,
    snapshot,
    variant,
    settled: new Set(),
    hooks,
  };
  for (const type of sendOrder) {
    const state = types.get(type);
    if (!state || !state.requested) continue;
    if (state.inFlight) {
      plan.targets.set(type, state.inFlight.view);
      plan.digests.set(type, state.inFlight.digest);
      continue;
    }
    const resources = snapshot(type);
    if (canPlanIncrementally(state)) {
      // Only names that changed, or that were waiting, can move; every other name stays as accepted.
      planChangedNames(plan, state, resources);
      continue;
    }
    const { target, unsettled } = planAllNames(plan, state, resources);
    if (hooks.counts) hooks.counts.full += 1;
    plan.next.set(type, { dirty: new Set(), unsettled, planAll: false });
    plan.targets.set(type, target);
    plan.digests.set(type, digestOfView(target));
  }
  return plan;
};
