// Route policies shared by the HTTPProxy and Ingress processors: headers, timeouts, retries.
import { parseDuration } from '../util/duration.js';
import { compareStrings } from './names.js';
import type { HeadersPolicy, RetryPolicy, TimeoutPolicy } from './types.js';

/** Go's http.CanonicalHeaderKey: `x-foo-bar` → `X-Foo-Bar`; keys with non-token characters are left alone. */
export const canonicalHeaderKey = (name: string): string => {
  if (!/^[-A-Za-z0-9!#$%&'*+.^_`|~]+$/.test(name)) return name;
  return name
    .split('-')
    .map((part) => (part ? part[0].toUpperCase() + part.slice(1).toLowerCase() : part))
    .join('-');
};

const headerNamePattern = /^[-A-Za-z0-9]+$/;

const invalidHeaderName = (kind: string, name: string): string =>
  `invalid ${kind} header "${name}": a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name')`;

// Envoy command operators a user may write in header values (kept as operators, not escaped).
const envoyVariables = [
  'DOWNSTREAM_REMOTE_ADDRESS',
  'DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT',
  'DOWNSTREAM_LOCAL_ADDRESS',
  'DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT',
  'DOWNSTREAM_LOCAL_PORT',
  'DOWNSTREAM_LOCAL_URI_SAN',
  'DOWNSTREAM_PEER_URI_SAN',
  'DOWNSTREAM_LOCAL_SUBJECT',
  'DOWNSTREAM_PEER_SUBJECT',
  'DOWNSTREAM_PEER_ISSUER',
  'DOWNSTREAM_TLS_SESSION_ID',
  'DOWNSTREAM_TLS_CIPHER',
  'DOWNSTREAM_TLS_VERSION',
  'DOWNSTREAM_PEER_FINGERPRINT_256',
  'DOWNSTREAM_PEER_FINGERPRINT_1',
  'DOWNSTREAM_PEER_SERIAL',
  'DOWNSTREAM_PEER_CERT',
  'DOWNSTREAM_PEER_CERT_V_START',
  'DOWNSTREAM_PEER_CERT_V_END',
  'HOSTNAME',
  'PROTOCOL',
  'UPSTREAM_REMOTE_ADDRESS',
  'RESPONSE_FLAGS',
  'RESPONSE_CODE_DETAILS',
  'TLS_JA3_FINGERPRINT',
  'TLS_JA4_FINGERPRINT',
];

/**
 * Escapes `%` in a header value for Envoy, substituting Contour's dynamic variables (`%CONTOUR_NAMESPACE%`…)
 * and keeping Envoy's own operators (`%HOSTNAME%`, `%REQ(x)%`).
 */
export const escapeHeaderValue = (value: string, dynamic: Record<string, string>): string => {
  if (!value.includes('%')) return value;
  let escaped = value.replaceAll('%', '%%');
  for (const name of Object.keys(dynamic).sort()) escaped = escaped.replaceAll(`%%${name}%%`, dynamic[name]);
  for (const name of envoyVariables) escaped = escaped.replaceAll(`%%${name}%%`, `%${name}%`);
  return escaped.replace(/%(%REQ\(:?[\w-]+(\?:?[\w-]+)?\)(:\d+)?%)%/g, '$1');
};

const requestHeaderReference = /^%REQ\(([^)]*)\)%$/;

/** A headers policy in its canonical form: headers set and removed sorted by name. */
export const headersPolicyOf = (
  set: Map<string, string>,
  remove: Set<string>,
  hostRewrite: string | undefined,
  hostRewriteHeader: string | undefined,
): HeadersPolicy => ({
  set: [...set.entries()]
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => compareStrings(a.name, b.name)),
  remove: [...remove].sort(compareStrings),
  ...(hostRewrite !== undefined ? { hostRewrite } : {}),
  ...(hostRewriteHeader !== undefined ? { hostRewriteHeader } : {}),
});

/** Builds a headers policy from `set`/`remove` lists; `allowHost` lets `Host` become a host rewrite. */
export const buildHeadersPolicy = (
  policy: { set?: { name: string; value: string }[]; remove?: string[] } | undefined,
  allowHost: boolean,
  dynamic: Record<string, string>,
): { policy?: HeadersPolicy; error?: string } => {
  if (!policy) return {};
  const set = new Map<string, string>();
  let hostRewrite: string | undefined;
  let hostRewriteHeader: string | undefined;
  for (const entry of policy.set ?? []) {
    const key = canonicalHeaderKey(entry.name);
    if (set.has(key) || (key === 'Host' && (hostRewrite !== undefined || hostRewriteHeader !== undefined))) {
      return { error: `duplicate header addition: "${key}"` };
    }
    if (key === 'Host') {
      if (!allowHost) return { error: `rewriting "${key}" header is not supported` };
      const reference = requestHeaderReference.exec(entry.value.trim());
      if (reference) hostRewriteHeader = canonicalHeaderKey(reference[1].trim());
      else hostRewrite = entry.value;
      continue;
    }
    if (!headerNamePattern.test(key)) return { error: invalidHeaderName('set', key) };
    set.set(key, escapeHeaderValue(entry.value, dynamic));
  }
  const remove = new Set<string>();
  for (const entry of policy.remove ?? []) {
    const key = canonicalHeaderKey(entry);
    if (remove.has(key)) return { error: `duplicate header removal: "${key}"` };
    if (!headerNamePattern.test(key)) return { error: invalidHeaderName('remove', key) };
    remove.add(key);
  }
  return { policy: headersPolicyOf(set, remove, hostRewrite, hostRewriteHeader) };
};

/**
 * Parses a Contour timeout: empty or zero = Envoy's default (undefined), `infinity`/`infinite` = disabled (0),
 * otherwise milliseconds.
 */
export const parseTimeout = (text: string | undefined): { ms?: number; error?: string } => {
  if (text === undefined || text === '') return {};
  if (text === 'infinity' || text === 'infinite') return { ms: 0 };
  try {
    const ms = parseDuration(text);
    return ms === 0 ? {} : { ms };
  } catch {
    return { error: `unable to parse timeout string "${text}"` };
  }
};

/** Builds the route timeout policy; undefined when nothing is set. */
export const buildTimeoutPolicy = (
  policy: { response?: string; idle?: string; idleConnection?: string } | undefined,
): { policy?: TimeoutPolicy; error?: string } => {
  if (!policy) return {};
  const response = parseTimeout(policy.response);
  if (response.error) return { error: `error parsing response timeout: ${response.error}` };
  const idle = parseTimeout(policy.idle);
  if (idle.error) return { error: `error parsing idle timeout: ${idle.error}` };
  const idleConnection = parseTimeout(policy.idleConnection);
  if (idleConnection.error)
    return { error: `error parsing idle connection timeout: ${idleConnection.error}` };
  if (response.ms === undefined && idle.ms === undefined) return {};
  return {
    policy: {
      ...(response.ms !== undefined ? { responseMs: response.ms } : {}),
      ...(idle.ms !== undefined ? { idleMs: idle.ms } : {}),
    },
  };
};

/** Builds a retry policy as Contour does: count -1 = no retries, 0 or 1 = one retry, retryOn defaults to 5xx. */
export const buildRetryPolicy = (
  policy:
    | { count?: number; perTryTimeout?: string; retryOn?: string[]; retriableStatusCodes?: number[] }
    | undefined,
): RetryPolicy | undefined => {
  if (!policy) return undefined;
  const count = policy.count ?? 1;
  const numRetries = count === -1 ? 0 : count === 0 ? 1 : count;
  const perTry = parseTimeout(policy.perTryTimeout);
  return {
    retryOn: policy.retryOn && policy.retryOn.length > 0 ? [...policy.retryOn] : ['5xx'],
    numRetries,
    // An unparsable or infinite per-try timeout falls back to Envoy's default, as in Contour.
    ...(perTry.ms !== undefined && perTry.ms > 0 ? { perTryTimeoutMs: perTry.ms } : {}),
    retriableStatusCodes: [...(policy.retriableStatusCodes ?? [])],
  };
};
