// Problems found in Ingress objects. Ingress has no `Valid` condition in Contour (its status is only the
// load balancer address), so these are not written to the API: they are returned with the build for logs
// and the debug status page.
import type { ObjectRef } from '../../apis/meta.js';
import { compareStrings } from '../names.js';

/** One problem with one Ingress. */
export interface IngressDiagnostic {
  ingress: ObjectRef;
  /** `error`: part of the Ingress is not served (or is served as a 503); `warning`: a default was used instead. */
  level: 'error' | 'warning';
  /** Where in the object, e.g. `spec.rules[0].http.paths[1]` or `metadata.annotations`. */
  field: string;
  message: string;
}

/** Collects diagnostics for one build. */
export interface IngressDiagnostics {
  add(ingress: ObjectRef, level: IngressDiagnostic['level'], field: string, message: string): void;
  /** Every diagnostic once, sorted by namespace, name, field, level and message. */
  list(): IngressDiagnostic[];
}

/** Creates an empty diagnostics collector. */
export const createIngressDiagnostics = (): IngressDiagnostics => {
  const byKey = new Map<string, IngressDiagnostic>();
  return {
    add(ingress, level, field, message) {
      const diagnostic = { ingress: { ...ingress }, level, field, message };
      byKey.set(JSON.stringify([ingress.namespace, ingress.name, field, level, message]), diagnostic);
    },
    list() {
      return [...byKey.values()].sort(
        (a, b) =>
          compareStrings(a.ingress.namespace, b.ingress.namespace) ||
          compareStrings(a.ingress.name, b.ingress.name) ||
          compareStrings(a.field, b.field) ||
          compareStrings(a.level, b.level) ||
          compareStrings(a.message, b.message),
      );
    },
  };
};
