// Resources withheld from Envoy become status errors on the objects that produced them, so that a
// user sees why a host is not served and `/readyz` reports `config: degraded`.
import type { ObjectRef } from '../apis/meta.js';
import type { BuildResult } from '../dag/build.js';
import type { ObjectStatus, SubCondition } from '../apis/status.js';
import type { Rejection } from './resource-check.js';
import { compareStrings } from './sorting.js';

/** The sub-condition type of errors Envoy's validation rules found in translated config. */
export const envoyConfigErrorType = 'EnvoyConfigError';

const keyOf = (ref: { kind: string; namespace: string; name: string }): string =>
  `${ref.kind}/${ref.namespace}/${ref.name}`;

const compareStatus = (a: ObjectStatus, b: ObjectStatus): number =>
  compareStrings(a.kind, b.kind) ||
  compareStrings(a.namespace, b.namespace) ||
  compareStrings(a.name, b.name);

// Contour truncates sub-condition messages to fit the CRD's limit; violations can be many.
const maxMessageLength = 32760;

const errorOf = (rejection: Rejection): SubCondition => ({
  type: envoyConfigErrorType,
  status: 'True',
  reason: 'InvalidEnvoyResource',
  message:
    `Envoy would reject ${rejection.type} "${rejection.name}", so it is not sent: ${rejection.violations.join('; ')}`.slice(
      0,
      maxMessageLength,
    ),
});

const errorPresent = 'At least one error present, see Errors for details';

const invalidStatus = (status: ObjectStatus, errors: SubCondition[]): ObjectStatus => {
  const valid = status.conditions.find((condition) => condition.type === 'Valid');
  const others = status.conditions.filter((condition) => condition !== valid);
  // An orphaned proxy serves nothing, so nothing of it can be rejected: its status stays as it is.
  const httpProxy = status.kind === 'HTTPProxy' && status.currentStatus !== 'orphaned';
  return {
    ...status,
    ...(httpProxy ? { currentStatus: 'invalid' as const, description: errorPresent } : {}),
    conditions: [
      ...others,
      {
        ...(valid ?? {}),
        type: 'Valid',
        status: 'False',
        reason: 'ErrorPresent',
        message: errorPresent,
        errors: [...(valid?.errors ?? []), ...errors],
      },
    ],
  };
};

/** The build's statuses with an error on every object behind a rejected resource. */
export const withRejections = (result: BuildResult, rejections: readonly Rejection[]): BuildResult => {
  const errorsByObject = new Map<string, { ref: ObjectRef; errors: SubCondition[] }>();
  for (const rejection of rejections) {
    for (const source of rejection.sources) {
      const key = keyOf(source);
      const found = errorsByObject.get(key) ?? { ref: source, errors: [] };
      found.errors.push(errorOf(rejection));
      errorsByObject.set(key, found);
    }
  }
  if (errorsByObject.size === 0) return result;
  const statuses = result.statuses.map((status) => {
    const found = errorsByObject.get(keyOf(status));
    if (!found) return status;
    errorsByObject.delete(keyOf(status));
    return invalidStatus(status, found.errors);
  });
  for (const { ref, errors } of errorsByObject.values()) {
    statuses.push(invalidStatus({ ...ref, conditions: [] }, errors));
  }
  return { dag: result.dag, statuses: statuses.sort(compareStatus) };
};
