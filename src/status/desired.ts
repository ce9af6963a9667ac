// What an object's status subresource should hold, and the merge patch that gets it there.
// Kept free of I/O so the diffing rules are testable on their own.
import { isDeepStrictEqual } from 'node:util';
import type { LoadBalancerStatus } from '../apis/kubernetes.js';
import type { Condition, ObjectStatus, SubCondition } from '../apis/status.js';

/** A condition as stored in the API (lastTransitionTime is required by the CRDs). */
export interface StoredCondition extends Condition {
  lastTransitionTime?: string;
}

/** The status fields contour-ts owns on an object. */
export interface OwnedStatus {
  currentStatus?: string;
  description?: string;
  conditions?: StoredCondition[];
  loadBalancer?: LoadBalancerStatus;
}

/** Which status fields a kind has. */
export const ownedFieldsOf = (kind: string): (keyof OwnedStatus)[] => {
  if (kind === 'HTTPProxy') return ['conditions', 'currentStatus', 'description', 'loadBalancer'];
  if (kind === 'Ingress') return ['loadBalancer'];
  return ['conditions'];
};

/** The status to write for a build's ObjectStatus (HTTPProxy also gets the load balancer). */
export const desiredStatusOf = (
  status: ObjectStatus,
  loadBalancer: LoadBalancerStatus | undefined,
): OwnedStatus => {
  const desired: OwnedStatus = { conditions: status.conditions.map((condition) => ({ ...condition })) };
  if (status.kind === 'HTTPProxy') {
    desired.currentStatus = status.currentStatus;
    desired.description = status.description;
    if (loadBalancer) desired.loadBalancer = loadBalancer;
  }
  return desired;
};

const normalizeSubConditions = (list: SubCondition[] | undefined): SubCondition[] | undefined =>
  list && list.length > 0
    ? list.map(({ type, status, reason, message }) => ({ type, status, reason, message }))
    : undefined;

// Compared without lastTransitionTime (ours is only a time) and with empty lists = absent.
const comparableCondition = (condition: StoredCondition): Condition => {
  const { type, status, reason, message, observedGeneration } = condition;
  const comparable: Condition = { type, status, reason, message };
  if (observedGeneration !== undefined) comparable.observedGeneration = observedGeneration;
  const errors = normalizeSubConditions(condition.errors);
  const warnings = normalizeSubConditions(condition.warnings);
  if (errors) comparable.errors = errors;
  if (warnings) comparable.warnings = warnings;
  return comparable;
};

const comparableLoadBalancer = (lb: LoadBalancerStatus | undefined): unknown =>
  (lb?.ingress ?? []).map((entry) => ({ ip: entry.ip || undefined, hostname: entry.hostname || undefined }));

const comparableField = (field: keyof OwnedStatus, value: OwnedStatus[keyof OwnedStatus]): unknown => {
  if (field === 'conditions') {
    return [...((value as StoredCondition[] | undefined) ?? [])]
      .map(comparableCondition)
      .sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  }
  if (field === 'loadBalancer') return comparableLoadBalancer(value as LoadBalancerStatus | undefined);
  return value ?? undefined;
};

/** Whether the stored status already says what we want (for the fields the kind owns). */
export const statusMatches = (
  kind: string,
  current: OwnedStatus | undefined,
  desired: OwnedStatus,
): boolean =>
  ownedFieldsOf(kind).every((field) => {
    // An absent desired loadBalancer means "not ours to decide", not "clear it".
    if (field === 'loadBalancer' && desired.loadBalancer === undefined) return true;
    return isDeepStrictEqual(
      comparableField(field, current?.[field]),
      comparableField(field, desired[field]),
    );
  });

/** Conditions with lastTransitionTime: kept from the stored condition while its status is unchanged. */
export const withTransitionTimes = (
  desired: StoredCondition[],
  current: StoredCondition[] | undefined,
  now: string,
): StoredCondition[] =>
  desired.map((condition) => {
    const previous = current?.find((c) => c.type === condition.type);
    const keep = previous && previous.status === condition.status && previous.lastTransitionTime;
    const stored: StoredCondition = {
      ...condition,
      lastTransitionTime: keep ? previous.lastTransitionTime : now,
    };
    if (!stored.errors?.length) delete stored.errors;
    if (!stored.warnings?.length) delete stored.warnings;
    return stored;
  });

/** The merge patch of the status subresource that turns current into desired. */
export const statusPatch = (
  kind: string,
  current: OwnedStatus | undefined,
  desired: OwnedStatus,
  now: string,
): Record<string, unknown> => {
  const patch: Record<string, unknown> = {};
  for (const field of ownedFieldsOf(kind)) {
    if (field === 'conditions') {
      // Merge patch replaces lists whole: send every condition.
      patch.conditions = withTransitionTimes(desired.conditions ?? [], current?.conditions, now);
    } else if (field === 'loadBalancer') {
      if (desired.loadBalancer === undefined) continue;
      const ingress = desired.loadBalancer.ingress ?? [];
      patch.loadBalancer = { ingress: ingress.length > 0 ? ingress : null };
    } else {
      // null removes a field in a merge patch.
      patch[field] = desired[field] ?? null;
    }
  }
  return patch;
};

// RFC 7386 merge: null removes a field, objects merge, everything else replaces.
const applyMergePatch = (target: unknown, patch: unknown): unknown => {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
};

/** The whole status to store (for an update of the status subresource): statusPatch applied to current. */
export const statusReplacement = (
  kind: string,
  current: OwnedStatus | undefined,
  desired: OwnedStatus,
  now: string,
): Record<string, unknown> =>
  applyMergePatch(current ?? {}, statusPatch(kind, current, desired, now)) as Record<string, unknown>;
