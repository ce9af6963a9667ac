// Contour's global header policy (config file `policy`, ContourConfiguration `spec.policy`): headers set and
// removed on every upstream a route forwards to, merged under the object's own per-service policy (the
// object wins a header both set). Contour applies it in headersPolicyService, to HTTPProxy services and, with
// `applyToIngress`, to Ingress backends; never to a route's own policy, redirects or direct responses.
import { canonicalHeaderKey, escapeHeaderValue, headersPolicyOf } from './policies.js';
import { compareStrings } from './names.js';
import type { HeadersPolicy } from './types.js';

/** One direction of the global policy, as configured: header → value to set, and names to remove. */
export interface GlobalHeaders {
  set?: Record<string, string>;
  remove?: string[];
}

/** The global header policy of BuildOptions. */
export interface GlobalHeadersPolicy {
  request?: GlobalHeaders;
  response?: GlobalHeaders;
  /** Apply it to Ingress backends too (Contour's `applyToIngress`). */
  applyToIngress?: boolean;
}

// Kubernetes' IsHTTPHeaderName, which Contour checks names against.
const headerNamePattern = /^[-A-Za-z0-9]+$/;
const headerNameRule =
  "[a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')]";

// Contour's hostRewriteHeaderRegex: a `%REQ(name)%` anywhere in the value.
const requestHeaderReference = /%REQ\([A-Za-z0-9-]+\)%/;

const isEmpty = (headers: GlobalHeaders | undefined): boolean =>
  Object.keys(headers?.set ?? {}).length === 0 && (headers?.remove ?? []).length === 0;

/**
 * Merges the global headers under a service's own policy, as Contour's headersPolicyService: a header the
 * service sets (or a Host rewrite it has) keeps the service's value, the other global ones are added; the
 * global removals join the service's. `allowHost` is true for request headers, where a global `Host` becomes a
 * host rewrite. The result is undefined when neither sets anything (Envoy gets the same config either way).
 */
export const withGlobalHeaders = (
  own: HeadersPolicy | undefined,
  global: GlobalHeaders | undefined,
  allowHost: boolean,
  dynamic: Record<string, string>,
): { policy?: HeadersPolicy; error?: string } => {
  if (isEmpty(global)) return { policy: own };
  const set = new Map((own?.set ?? []).map((header) => [header.name, header.value]));
  let hostRewrite = own?.hostRewrite;
  // Sorted, so that two spellings of one header (`x-a`, `X-A`) resolve the same way every time.
  const entries = Object.entries(global?.set ?? {}).sort(([a], [b]) => compareStrings(a, b));
  for (const [name, value] of entries) {
    const key = canonicalHeaderKey(name);
    if (key === 'Host') {
      if (!allowHost) return { error: `rewriting "${key}" header is not supported` };
      if (!hostRewrite) {
        if (requestHeaderReference.test(value))
          return { error: `rewriting "${key}" host header with dynamic value is not supported on service` };
        hostRewrite = value;
      }
      continue;
    }
    if (!headerNamePattern.test(key)) return { error: `invalid set header "${key}": ${headerNameRule}` };
    if (!set.has(key)) set.set(key, escapeHeaderValue(value, dynamic));
  }
  const remove = new Set(own?.remove ?? []);
  for (const name of global?.remove ?? []) {
    const key = canonicalHeaderKey(name);
    // Contour's wording: "set" for a removal too.
    if (!headerNamePattern.test(key)) return { error: `invalid set header "${key}": ${headerNameRule}` };
    remove.add(key);
  }
  return { policy: headersPolicyOf(set, remove, hostRewrite, own?.hostRewriteHeader) };
};
