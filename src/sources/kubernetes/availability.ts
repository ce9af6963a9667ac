// Which watched kinds cannot be read, and why. A kind the API server refuses (403), does not serve
// (404), or whose CRD is not installed is reported here once per change, counted in
// contour_source_unavailable{kind,reason}, and described with what its absence does to the output,
// so that nothing routes differently without saying so.
import { Gauge } from 'prom-client';
import { metricsRegistry } from '../../util/metrics.js';
import type { Unavailability } from './reflector.js';

/** Why a kind cannot be read: refused, not served at list time, or its API not discovered at all. */
export type UnavailableReason = Unavailability['reason'] | 'not_served';

/** A kind that cannot be read, as /readyz notes and the build's messages show it. */
export interface KindProblem {
  reason: UnavailableReason;
  /** One sentence: the kind, the cause (with the missing permission), and the effect on routing. */
  message: string;
}

const unavailableGauge = new Gauge({
  name: 'contour_source_unavailable',
  help: 'Watched kinds the API server does not let contour-ts read (1 while unavailable), by reason',
  labelNames: ['kind', 'reason'],
  registers: [metricsRegistry],
});

// What each kind's absence means for the output (docs/compat.md, "Kinds that cannot be read").
const effects: Record<string, string> = {
  HTTPProxy: 'no HTTPProxy is served',
  TLSCertificateDelegation:
    'no certificate delegation is permitted, so TLS hosts using a Secret of another namespace are invalid',
  ExtensionService: 'ExtensionServices get no status',
  Ingress: 'no Ingress is served',
  IngressClass:
    'routing is unchanged: Ingress classes are matched from annotations and spec.ingressClassName against --ingress-class-name alone',
  Service: 'routes to Services answer 503 (service not found)',
  EndpointSlice: 'clusters have no endpoints',
  Secret: 'TLS hosts and upstream validation that need a Secret are invalid (SecretNotValid)',
};

/** What a kind's absence does to the served configuration. */
export const unavailableEffect = (kind: string): string =>
  effects[kind] ?? `${kind} objects are treated as absent`;

/** The /readyz note for a kind refused or not served at list time. */
export const unavailableMessage = (kind: string, problem: Unavailability, recheckMs: number): string => {
  const cause =
    problem.reason === 'forbidden'
      ? `forbidden (missing permission: ${problem.permission})`
      : `the API server does not serve it (${problem.verb} answered 404)`;
  return `${kind} cannot be read: ${cause}; treated as empty and re-checked every ${Math.round(recheckMs / 1000)} s: ${unavailableEffect(kind)}`;
};

export interface AvailabilityTracker {
  /** Records one scope's (a namespace's, or the whole kind's) problem, or its recovery (undefined). */
  set(kind: string, scope: string, problem: KindProblem | undefined): void;
  /** The kinds that cannot be read now, with their first scope's problem. */
  problems(): Map<string, KindProblem>;
}

/** Tracks problems per kind and scope; onChange hears the kind's problem when it appears, changes or clears. */
export const createAvailabilityTracker = (
  onChange: (kind: string, problem: KindProblem | undefined) => void,
): AvailabilityTracker => {
  const byKind = new Map<string, Map<string, KindProblem>>();
  const current = (kind: string): KindProblem | undefined => {
    const scopes = byKind.get(kind);
    if (!scopes || scopes.size === 0) return undefined;
    return scopes.get([...scopes.keys()].sort()[0]);
  };
  return {
    set(kind, scope, problem) {
      const before = current(kind);
      const scopes = byKind.get(kind) ?? new Map<string, KindProblem>();
      byKind.set(kind, scopes);
      if (problem) scopes.set(scope, problem);
      else scopes.delete(scope);
      const after = current(kind);
      if (before?.message === after?.message) return;
      if (before) unavailableGauge.remove({ kind, reason: before.reason });
      if (after) unavailableGauge.set({ kind, reason: after.reason }, 1);
      onChange(kind, after);
    },
    problems() {
      const result = new Map<string, KindProblem>();
      for (const kind of [...byKind.keys()].sort()) {
        const problem = current(kind);
        if (problem) result.set(kind, problem);
      }
      return result;
    },
  };
};
