// Secret resolution shared by every processor (HTTPProxy, Ingress): delegation checks, and certificate
// validation (src/certs/secret-checks.ts) memoized per Secret object.
import type { Secret } from '../apis/kubernetes.js';
import type { TlsCertificateDelegation } from '../apis/tlscertificatedelegation.js';
import { createSecretChecks, type SecretChecks } from '../certs/secret-checks.js';
import type { StoreView } from '../store/store.js';
import { defaultPemLimits, type PemLimits } from '../util/pem.js';
import type { TlsSecret } from './types.js';

/** The outcome of looking up a secret for some namespace's use. */
export type SecretLookup =
  { ok: true; secret: TlsSecret } | { ok: false; reason: 'NotPermitted' | 'Invalid'; message: string };

/** Looks secrets up on behalf of objects in a namespace. */
export interface SecretResolver {
  /** A serving certificate and key (`tls.crt`, `tls.key`) usable by `targetNamespace`. */
  tls(namespace: string, name: string, targetNamespace: string): SecretLookup;
  /** A CA bundle (`ca.crt`) usable by `targetNamespace`. */
  ca(namespace: string, name: string, targetNamespace: string): SecretLookup;
  /** Whether `targetNamespace` may use the secret (same namespace or a TLSCertificateDelegation). */
  delegationPermitted(namespace: string, name: string, targetNamespace: string): boolean;
}

/** Splits `namespace/name` (or a bare name, defaulting to `defaultNamespace`). */
export const splitSecretName = (
  reference: string,
  defaultNamespace: string,
): { namespace: string; name: string } => {
  const slash = reference.indexOf('/');
  return slash < 0
    ? { namespace: defaultNamespace, name: reference }
    : { namespace: reference.slice(0, slash), name: reference.slice(slash + 1) };
};

/**
 * Creates a resolver over the store's Secrets and TLSCertificateDelegations; validation is memoized.
 * With `secretNamespaces` (Contour's root namespaces), a Secret elsewhere is not found: Contour reads Secrets
 * only there, a tenancy boundary a delegation cannot cross.
 */
export const createSecretResolver = (
  store: StoreView,
  unreadableKinds?: ReadonlyMap<string, string>,
  limits: PemLimits = defaultPemLimits,
  checks: SecretChecks = createSecretChecks(),
  secretNamespaces: string[] = [],
): SecretResolver => {
  // Secret validations are the caller's (an engine keeps them across builds): a Secret is checked
  // once, not once per build that uses it.
  const validateTlsOnce = (secret: Secret) => checks.validate('tls', secret, limits);
  const validateCaOnce = (secret: Secret) => checks.validate('ca', secret, limits);
  const tlsCache = new Map<string, { secret?: TlsSecret; error?: string }>();
  const caCache = new Map<string, { secret?: TlsSecret; error?: string }>();

  const delegationPermitted = (namespace: string, name: string, targetNamespace: string): boolean => {
    if (namespace === targetNamespace) return true;
    for (const delegation of store.list<TlsCertificateDelegation>('TLSCertificateDelegation')) {
      if ((delegation.metadata.namespace ?? '') !== namespace) continue;
      const entries = Array.isArray(delegation.spec?.delegations) ? delegation.spec.delegations : [];
      for (const entry of entries) {
        if (!entry || entry.secretName !== name || !Array.isArray(entry.targetNamespaces)) continue;
        const targets = entry.targetNamespaces;
        // As in Contour, `*` means every namespace only when it is the sole entry.
        if ((targets.length === 1 && targets[0] === '*') || targets.includes(targetNamespace)) return true;
      }
    }
    return false;
  };

  const lookup = (
    cache: Map<string, { secret?: TlsSecret; error?: string }>,
    validate: (secret: Secret) => { secret?: TlsSecret; error?: string },
    namespace: string,
    name: string,
    targetNamespace: string,
  ): SecretLookup => {
    if (!delegationPermitted(namespace, name, targetNamespace)) {
      return { ok: false, reason: 'NotPermitted', message: 'certificate delegation not permitted' };
    }
    const key = `${namespace}/${name}`;
    let result = cache.get(key);
    if (!result) {
      const readable = secretNamespaces.length === 0 || secretNamespaces.includes(namespace);
      const secret = readable ? store.get<Secret>('Secret', namespace, name) : undefined;
      // When Secrets cannot be read at all, say why rather than "not found".
      const unreadable = unreadableKinds?.get('Secret');
      result = secret
        ? validate(secret)
        : { error: unreadable ? `Secret not found: ${unreadable}` : 'Secret not found' };
      cache.set(key, result);
    }
    return result.secret
      ? { ok: true, secret: result.secret }
      : { ok: false, reason: 'Invalid', message: result.error ?? 'invalid' };
  };

  return {
    tls: (namespace, name, target) => lookup(tlsCache, validateTlsOnce, namespace, name, target),
    ca: (namespace, name, target) => lookup(caCache, validateCaOnce, namespace, name, target),
    delegationPermitted,
  };
};
