// The annotations Contour reads on an Ingress, parsed with Contour's rules: a malformed value falls back
// to the default (as Contour does) and is reported as a diagnostic rather than failing the Ingress.
import type { Ingress } from '../../apis/kubernetes.js';
import { compareStrings } from '../names.js';
import { parseTimeout } from '../policies.js';
import type { RetryPolicy, TimeoutPolicy, TlsVersion } from '../types.js';

/** Annotation keys Contour understands on Ingress objects. */
export const IngressAnnotation = {
  forceSslRedirect: 'ingress.kubernetes.io/force-ssl-redirect',
  allowHttp: 'kubernetes.io/ingress.allow-http',
  retryOn: 'projectcontour.io/retry-on',
  numRetries: 'projectcontour.io/num-retries',
  perTryTimeout: 'projectcontour.io/per-try-timeout',
  responseTimeout: 'projectcontour.io/response-timeout',
  // The legacy name of response-timeout, still honoured by Contour when response-timeout is absent.
  requestTimeout: 'projectcontour.io/request-timeout',
  tlsMinimumProtocolVersion: 'projectcontour.io/tls-minimum-protocol-version',
  tlsMaximumProtocolVersion: 'projectcontour.io/tls-maximum-protocol-version',
  websocketRoutes: 'projectcontour.io/websocket-routes',
  tlsCertNamespace: 'projectcontour.io/tls-cert-namespace',
} as const;

const knownAnnotations = new Set<string>([
  ...Object.values(IngressAnnotation),
  'kubernetes.io/ingress.class',
  'projectcontour.io/ingress.class',
]);

/**
 * The known annotations whose value is not a string, sorted. The API server only stores strings, but a
 * manifest file may hold an unquoted `true` or `3`; such values are ignored and reported.
 */
export const nonStringAnnotations = (ingress: Ingress): string[] => {
  const annotations: unknown = ingress.metadata.annotations;
  if (!annotations || typeof annotations !== 'object') return [];
  return Object.entries(annotations as Record<string, unknown>)
    .filter(([key, value]) => typeof value !== 'string' && knownAnnotations.has(key))
    .map(([key]) => key)
    .sort(compareStrings);
};

/** One annotation value, or '' when absent or not a string. */
export const annotationOf = (ingress: Ingress, key: string): string => {
  const value = ingress.metadata.annotations?.[key];
  return typeof value === 'string' ? value : '';
};

/** Whether `ingress.kubernetes.io/force-ssl-redirect` is exactly "true" (HTTP answers 301 to HTTPS). */
export const tlsRequired = (ingress: Ingress): boolean =>
  annotationOf(ingress, IngressAnnotation.forceSslRedirect) === 'true';

/** Whether plaintext HTTP is served: true unless `kubernetes.io/ingress.allow-http` is exactly "false". */
export const httpAllowed = (ingress: Ingress): boolean =>
  annotationOf(ingress, IngressAnnotation.allowHttp) !== 'false';

/** A TLS version annotation: "1.2" or "1.3", anything else gives the default. */
export const tlsVersionOf = (value: string, fallback: TlsVersion): TlsVersion =>
  value === '1.2' || value === '1.3' ? value : fallback;

/** The paths listed in `projectcontour.io/websocket-routes` (comma separated, trimmed). */
export const websocketPaths = (ingress: Ingress): Set<string> =>
  new Set(
    annotationOf(ingress, IngressAnnotation.websocketRoutes)
      .split(',')
      .map((path) => path.trim())
      .filter((path) => path !== ''),
  );

const int32Pattern = /^[+-]?\d+$/;

// Go's strconv.ParseInt(s, 10, 32): anything malformed or out of range is an error, which Contour reads as 0.
const parseInt32 = (text: string): number => {
  if (!int32Pattern.test(text)) return 0;
  const value = Number(text);
  return value >= -2147483648 && value <= 2147483647 ? value : 0;
};

/** `projectcontour.io/num-retries`: -1 disables retries, 0/1/absent/invalid mean one retry. */
export const numRetriesOf = (ingress: Ingress): number => {
  const value = parseInt32(annotationOf(ingress, IngressAnnotation.numRetries));
  if (value === -1) return 0;
  if (value <= 1) return 1;
  return value;
};

/** A parsed annotation plus the problems found while parsing it. */
export interface Parsed<T> {
  value: T;
  problems: string[];
}

/** The retry policy of `projectcontour.io/retry-on` and friends; undefined without retry-on. */
export const retryPolicyOf = (ingress: Ingress): Parsed<RetryPolicy | undefined> => {
  const retryOn = annotationOf(ingress, IngressAnnotation.retryOn)
    .split(',')
    .map((condition) => condition.trim())
    .filter((condition) => condition !== '');
  if (retryOn.length === 0) return { value: undefined, problems: [] };
  const perTry = parseTimeout(annotationOf(ingress, IngressAnnotation.perTryTimeout));
  const problems = perTry.error
    ? [`error parsing ${IngressAnnotation.perTryTimeout} annotation: ${perTry.error}`]
    : [];
  return {
    value: {
      retryOn,
      numRetries: numRetriesOf(ingress),
      // As Contour: an unparsable per-try timeout is dropped; "infinity" is sent as an explicit 0.
      ...(perTry.ms !== undefined ? { perTryTimeoutMs: perTry.ms } : {}),
      retriableStatusCodes: [],
    },
    problems,
  };
};

/** The route timeout of `projectcontour.io/response-timeout` (or the legacy request-timeout). */
export const timeoutPolicyOf = (ingress: Ingress): Parsed<TimeoutPolicy | undefined> => {
  let key: string = IngressAnnotation.responseTimeout;
  let text = annotationOf(ingress, key);
  if (text === '') {
    key = IngressAnnotation.requestTimeout;
    text = annotationOf(ingress, key);
  }
  const parsed = parseTimeout(text);
  if (parsed.error) {
    return {
      value: undefined,
      problems: [`error parsing ${key} annotation, using the default value: ${parsed.error}`],
    };
  }
  return { value: parsed.ms !== undefined ? { responseMs: parsed.ms } : undefined, problems: [] };
};
