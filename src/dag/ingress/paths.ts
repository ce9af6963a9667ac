// Ingress path types to DAG path matches, with Contour's rules: `Prefix` is segment-aware, `Exact` is
// exact, and `ImplementationSpecific` is a regex when the path has regex characters, else a string prefix.
import { re2Error, regexLengthError } from '../regex.js';
import { defaultInputLimits } from '../limits.js';
import { trimTrailing } from '../../util/text.js';
import type { PathMatch } from '../types.js';

// Contour's test for "this path looks like a regex".
const regexCharacters = /[\^+*[\]%]/;

// A query or fragment is never part of the path Envoy matches, and Envoy rejects them in
// path_separated_prefix: such a path can never match, so it is reported instead of sent.
const queryOrFragment = /[?#]/;

/** The DAG path match for an Ingress path and path type, or why the path cannot be used. */
export const ingressPathMatch = (
  rawPath: string,
  pathType: string,
  maxRegexLength = defaultInputLimits.maxRegexLength,
): { match?: PathMatch; error?: string } => {
  const path = rawPath === '' ? '/' : rawPath;
  if (!path.startsWith('/')) return { error: `path "${path}" must be an absolute path` };
  switch (pathType) {
    case 'Prefix': {
      if (queryOrFragment.test(path)) return { error: `path "${path}" must not contain '?' or '#'` };
      // Trailing slashes are dropped so that `/foo/` also matches `/foo`; "/" (or only slashes) is every path.
      const trimmed = trimTrailing(path, '/');
      if (trimmed === '') return { match: { kind: 'prefix', value: '/', segment: false } };
      return { match: { kind: 'prefix', value: trimmed, segment: true } };
    }
    case 'Exact':
      if (queryOrFragment.test(path)) return { error: `path "${path}" must not contain '?' or '#'` };
      return { match: { kind: 'exact', value: path } };
    case '':
    case 'ImplementationSpecific': {
      if (!regexCharacters.test(path)) return { match: { kind: 'prefix', value: path, segment: false } };
      const error = regexLengthError(path, maxRegexLength) ?? re2Error(path);
      if (error) return { error: `path regex "${path}" is not valid: ${error}` };
      return { match: { kind: 'regex', value: path } };
    }
    default:
      return { error: `unsupported path type "${pathType}"` };
  }
};

const dnsLabel = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dnsSubdomain = new RegExp(`^${dnsLabel}(\\.${dnsLabel})*$`);

/**
 * Why a rule or TLS host is not a valid Ingress host (a DNS-1123 subdomain, optionally with a `*.` first
 * label), or undefined. The API server enforces this; manifests read from files are checked here.
 */
export const ingressHostError = (host: string): string | undefined => {
  const name = host.startsWith('*.') ? host.slice(2) : host;
  if (host.length > 253 || !dnsSubdomain.test(name)) {
    return `host "${host}" is not a valid DNS-1123 subdomain (optionally with a "*." wildcard first label)`;
  }
  return undefined;
};
