// Collects the status the build computes for each object, shaped as Contour words it:
// one `Valid` condition carrying typed errors and warnings.
import type { ObjectRef } from '../apis/meta.js';
import type { Condition, ObjectStatus, SubCondition } from '../apis/status.js';
import { compareStrings } from './names.js';

/** Contour's sub-condition types (the `type` of an error or warning). */
export const ErrorType = {
  Auth: 'AuthError',
  Include: 'IncludeError',
  Orphaned: 'Orphaned',
  PrefixReplace: 'PrefixReplaceError',
  RootNamespace: 'RootNamespaceError',
  Route: 'RouteError',
  Service: 'ServiceError',
  Spec: 'SpecError',
  TcpProxyInclude: 'TCPProxyIncludeError',
  TcpProxy: 'TCPProxyError',
  Tls: 'TLSError',
  VirtualHost: 'VirtualHostError',
  IngressClass: 'IngressClassError',
} as const;

/** Where build code reports what it found about one object. */
export interface StatusSink {
  error(type: string, reason: string, message: string): void;
  warning(type: string, reason: string, message: string): void;
}

interface Entry {
  ref: ObjectRef;
  generation?: number;
  errors: SubCondition[];
  warnings: SubCondition[];
}

/** The status recorder for one build. */
export interface StatusRecorder {
  /** The sink for an object; marks the object as having a status (Valid unless errors are added). */
  for(ref: ObjectRef, generation?: number): StatusSink;
  /** Whether an object has recorded errors. */
  hasErrors(ref: ObjectRef): boolean;
  /** Whether an object has a status at all. */
  has(ref: ObjectRef): boolean;
  /** Every recorded status, sorted by kind, namespace and name. */
  statuses(): ObjectStatus[];
}

const keyOf = (ref: ObjectRef): string => `${ref.kind}/${ref.namespace}/${ref.name}`;

// Contour truncates sub-condition messages to fit the CRD's 32768 character limit.
const maxMessageLength = 32760;

/** Creates an empty status recorder. */
export const createStatusRecorder = (): StatusRecorder => {
  const entries = new Map<string, Entry>();

  const entryFor = (ref: ObjectRef, generation?: number): Entry => {
    const key = keyOf(ref);
    let entry = entries.get(key);
    if (!entry) {
      entry = { ref: { ...ref }, generation, errors: [], warnings: [] };
      entries.set(key, entry);
    }
    return entry;
  };

  // A child reached from several roots reports the same problem once.
  const add = (list: SubCondition[], type: string, reason: string, message: string): void => {
    const text = message.length > maxMessageLength ? message.slice(0, maxMessageLength) : message;
    if (list.some((item) => item.type === type && item.reason === reason && item.message === text)) return;
    list.push({ type, status: 'True', reason, message: text });
  };

  return {
    for(ref, generation) {
      const entry = entryFor(ref, generation);
      return {
        error: (type, reason, message) => add(entry.errors, type, reason, message),
        warning: (type, reason, message) => add(entry.warnings, type, reason, message),
      };
    },
    hasErrors: (ref) => (entries.get(keyOf(ref))?.errors.length ?? 0) > 0,
    has: (ref) => entries.has(keyOf(ref)),
    statuses() {
      return [...entries.values()]
        .sort(
          (a, b) =>
            compareStrings(a.ref.kind, b.ref.kind) ||
            compareStrings(a.ref.namespace, b.ref.namespace) ||
            compareStrings(a.ref.name, b.ref.name),
        )
        .map(toObjectStatus);
    },
  };
};

const bySubCondition = (a: SubCondition, b: SubCondition): number =>
  compareStrings(a.type, b.type) ||
  compareStrings(a.reason, b.reason) ||
  compareStrings(a.message, b.message);

const toObjectStatus = (entry: Entry): ObjectStatus => {
  // Sorted so a status never depends on the order of routes or includes in the spec.
  entry.errors.sort(bySubCondition);
  entry.warnings.sort(bySubCondition);
  const valid = entry.errors.length === 0;
  const condition: Condition = {
    type: 'Valid',
    status: valid ? 'True' : 'False',
    ...(entry.generation !== undefined ? { observedGeneration: entry.generation } : {}),
    reason: valid ? 'Valid' : 'ErrorPresent',
    message: valid ? `Valid ${entry.ref.kind}` : 'At least one error present, see Errors for details',
    ...(entry.errors.length > 0 ? { errors: entry.errors } : {}),
    ...(entry.warnings.length > 0 ? { warnings: entry.warnings } : {}),
  };
  const status: ObjectStatus = {
    kind: entry.ref.kind,
    namespace: entry.ref.namespace,
    name: entry.ref.name,
    conditions: [condition],
  };
  if (entry.ref.kind === 'HTTPProxy') {
    const orphan = entry.errors.find((error) => error.type === ErrorType.Orphaned);
    if (valid) {
      status.currentStatus = 'valid';
      status.description = condition.message;
    } else if (orphan) {
      status.currentStatus = 'orphaned';
      status.description = orphan.message;
    } else {
      status.currentStatus = 'invalid';
      status.description = condition.message;
    }
  }
  return status;
};
