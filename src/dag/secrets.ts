// Secret resolution shared by every processor (HTTPProxy, Ingress): delegation checks, certificate
// validation, and Envoy secret naming by content.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import type { Secret } from '../apis/kubernetes.js';
import type { TlsCertificateDelegation } from '../apis/tlscertificatedelegation.js';
import type { StoreView } from '../store/store.js';
import { shortHash } from './names.js';
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

/** The value of one key of a Secret as text (data is base64; stringData, from manifests, is plain). */
export const secretValue = (secret: Secret, key: string): string | undefined => {
  const plain = secret.stringData?.[key];
  if (typeof plain === 'string') return plain;
  const encoded = secret.data?.[key];
  return typeof encoded === 'string' ? Buffer.from(encoded, 'base64').toString('utf8') : undefined;
};

interface PemBlock {
  type: string;
  body: string;
  text: string;
}

const pemBlockPattern = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

const pemBlocks = (text: string): PemBlock[] =>
  [...text.matchAll(pemBlockPattern)].map((match) => ({ type: match[1], body: match[2], text: match[0] }));

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

// Serving bundles: every block a parseable CERTIFICATE, the leaf naming a host (CN or SAN).
const servingBundleError = (pem: string): { error?: string; leaf?: X509Certificate } => {
  const blocks = pemBlocks(pem);
  if (blocks.length === 0) return { error: 'failed to locate certificate' };
  let leaf: X509Certificate | undefined;
  for (const block of blocks) {
    if (block.type !== 'CERTIFICATE') return { error: `unexpected block type '${block.type}'` };
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(block.text);
    } catch (error) {
      return { error: errorText(error) };
    }
    if (!leaf) {
      const hasCommonName = /(^|\n)CN=/.test(certificate.subject);
      if (!hasCommonName && !certificate.subjectAltName) {
        return { error: 'certificate has no common name or subject alt name' };
      }
      leaf = certificate;
    }
  }
  return { leaf };
};

const caBundleError = (pem: string): string | undefined => {
  const blocks = pemBlocks(pem);
  if (blocks.length === 0) return 'failed to locate certificate';
  for (const block of blocks) {
    if (block.type !== 'CERTIFICATE') return `unexpected block type '${block.type}'`;
    try {
      new X509Certificate(block.text);
    } catch (error) {
      return errorText(error);
    }
  }
  return undefined;
};

const tlsSecretTypes = new Set(['kubernetes.io/tls', 'Opaque']);

// DER encodings by PEM label. Telling OpenSSL the encoding up front skips its trial of every
// decoder, which makes loading an RSA key about 2.5 times faster than handing it the PEM text.
const keyEncodings: Record<string, 'pkcs1' | 'pkcs8' | 'sec1'> = {
  'RSA PRIVATE KEY': 'pkcs1',
  'PRIVATE KEY': 'pkcs8',
  'EC PRIVATE KEY': 'sec1',
};

/** Loads a PEM private key; throws (with OpenSSL's message) when it cannot. */
const loadPrivateKey = (pem: string): KeyObject => {
  const block = pemBlocks(pem).find((candidate) => candidate.type in keyEncodings);
  if (block && !block.body.includes(':')) {
    try {
      const der = Buffer.from(block.body, 'base64');
      return createPrivateKey({ key: der, format: 'der', type: keyEncodings[block.type] });
    } catch {
      // Fall through: the PEM path gives the error message users expect.
    }
  }
  return createPrivateKey(pem);
};

/** Validates a serving-certificate Secret; returns the Envoy secret or why it cannot be used. */
export const validateTlsSecret = (secret: Secret): { secret?: TlsSecret; error?: string } => {
  const type = secret.type ?? 'Opaque';
  if (!tlsSecretTypes.has(type)) return { error: 'secret type is not "kubernetes.io/tls" or "Opaque"' };
  const certificateChain = secretValue(secret, 'tls.crt');
  if (certificateChain === undefined) return { error: 'missing TLS certificate' };
  const bundle = servingBundleError(certificateChain);
  if (bundle.error || !bundle.leaf)
    return { error: `invalid TLS certificate: ${bundle.error ?? 'no certificate'}` };
  const privateKey = secretValue(secret, 'tls.key');
  if (privateKey === undefined) return { error: 'missing TLS private key' };
  let key;
  try {
    key = loadPrivateKey(privateKey);
  } catch (error) {
    return { error: `invalid TLS private key: ${errorText(error)}` };
  }
  if (!bundle.leaf.checkPrivateKey(key))
    return { error: 'invalid TLS private key: key does not match the certificate' };
  const namespace = secret.metadata.namespace ?? '';
  const content = { certificateChain, privateKey };
  return {
    secret: {
      name: `${namespace}/${secret.metadata.name}/${shortHash(content)}`,
      source: { namespace, name: secret.metadata.name },
      ...content,
    },
  };
};

/** Validates a CA Secret (`ca.crt`); returns the Envoy secret or why it cannot be used. */
export const validateCaSecret = (secret: Secret): { secret?: TlsSecret; error?: string } => {
  const type = secret.type ?? 'Opaque';
  if (!tlsSecretTypes.has(type)) return { error: 'secret type is not "kubernetes.io/tls" or "Opaque"' };
  const caCertificate = secretValue(secret, 'ca.crt');
  if (!caCertificate) return { error: 'empty "ca.crt" key' };
  const error = caBundleError(caCertificate);
  if (error) return { error: `invalid CA certificate bundle: ${error}` };
  const namespace = secret.metadata.namespace ?? '';
  return {
    secret: {
      name: `${namespace}/${secret.metadata.name}/${shortHash({ caCertificate })}`,
      source: { namespace, name: secret.metadata.name },
      caCertificate,
    },
  };
};

// Validation results per Secret object. Store objects are immutable (a change is a new object), so
// a Secret is checked once, not once per build that uses it.
type Validation = { secret?: TlsSecret; error?: string };
type CheckKind = 'tls' | 'ca';
const inputKeys: Record<CheckKind, string[]> = { tls: ['tls.crt', 'tls.key'], ca: ['ca.crt'] };
const validators: Record<CheckKind, (secret: Secret) => Validation> = {
  tls: validateTlsSecret,
  ca: validateCaSecret,
};

/**
 * A validation done elsewhere (a manifest-parsing worker thread) for a Secret by name and content;
 * used when the build asks about a Secret with exactly that type and content.
 */
export interface PrimedSecretCheck {
  kind: CheckKind;
  namespace: string;
  name: string;
  type: string;
  inputs: (string | undefined)[];
  result: Validation;
}

const inputsOf = (kind: CheckKind, secret: Secret): (string | undefined)[] =>
  inputKeys[kind].map((key) => secretValue(secret, key));

/** The checks a parser thread runs for one Secret: those whose input keys it carries. */
export const checkSecretForPriming = (secret: Secret): PrimedSecretCheck[] =>
  (['tls', 'ca'] as const)
    .filter((kind) => inputsOf(kind, secret)[0] !== undefined)
    .map((kind) => ({
      kind,
      namespace: secret.metadata.namespace ?? '',
      name: secret.metadata.name,
      type: secret.type ?? 'Opaque',
      inputs: inputsOf(kind, secret),
      result: validators[kind](secret),
    }));

// Primed checks wait here until a build asks for their Secret (then they move to the per-object memo).
const primed = new Map<string, PrimedSecretCheck>();
const primedKey = (kind: CheckKind, namespace: string, name: string): string =>
  `${kind}\0${namespace}/${name}`;

export const primeSecretChecks = (checks: PrimedSecretCheck[]): void => {
  for (const check of checks) primed.set(primedKey(check.kind, check.namespace, check.name), check);
};

const takePrimed = (kind: CheckKind, secret: Secret): Validation | undefined => {
  const key = primedKey(kind, secret.metadata.namespace ?? '', secret.metadata.name);
  const check = primed.get(key);
  if (!check) return undefined;
  primed.delete(key);
  const inputs = inputsOf(kind, secret);
  const same =
    check.type === (secret.type ?? 'Opaque') &&
    check.inputs.length === inputs.length &&
    check.inputs.every((input, index) => input === inputs[index]);
  return same ? check.result : undefined;
};

const validations: Record<CheckKind, WeakMap<Secret, Validation>> = {
  tls: new WeakMap(),
  ca: new WeakMap(),
};

const validateOnce =
  (kind: CheckKind) =>
  (secret: Secret): Validation => {
    let result = validations[kind].get(secret);
    if (!result) {
      result = takePrimed(kind, secret) ?? validators[kind](secret);
      validations[kind].set(secret, result);
    }
    return result;
  };
const validateTlsOnce = validateOnce('tls');
const validateCaOnce = validateOnce('ca');

/** Creates a resolver over the store's Secrets and TLSCertificateDelegations; validation is memoized. */
export const createSecretResolver = (
  store: StoreView,
  unreadableKinds?: ReadonlyMap<string, string>,
): SecretResolver => {
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
      const secret = store.get<Secret>('Secret', namespace, name);
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
