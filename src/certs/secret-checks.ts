// Pure checks of TLS Secrets (serving certificate and key, CA bundle), shared by the build and the
// manifest parser threads, which validate the Secrets they parse beside the main thread. Here rather
// than in src/dag so that every stage may import them (docs/architecture.md, "Layering").
import { X509Certificate, createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import type { Secret } from '../apis/kubernetes.js';
import { defaultPemLimits, parsePemBlocks, samePemLimits, type PemLimits } from '../util/pem.js';

/** A validated Secret as Envoy will get it (the DAG's `TlsSecret`). */
export interface SecretMaterial {
  /** Envoy secret name: `namespace/name/<short hash of content>`. */
  name: string;
  source: { namespace: string; name: string };
  certificateChain?: string;
  privateKey?: string;
  caCertificate?: string;
}

/** The outcome of checking one Secret: the Envoy secret, or why it cannot be used. */
export interface CheckedSecret {
  secret?: SecretMaterial;
  error?: string;
}

/** Which check: a serving certificate and key (`tls`) or a CA bundle (`ca`). */
export type SecretCheckKind = 'tls' | 'ca';

// The name's hash is `shortHash` (src/dag/names.ts) of the content record: canonical JSON with
// sorted keys, which for these records of strings (keys written in sorted order) is JSON.stringify.
const contentHash = (content: Record<string, string>): string =>
  createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 10);

/** The value of one key of a Secret as text (data is base64; stringData, from manifests, is plain). */
export const secretValue = (secret: Secret, key: string): string | undefined => {
  const plain = secret.stringData?.[key];
  if (typeof plain === 'string') return plain;
  const encoded = secret.data?.[key];
  return typeof encoded === 'string' ? Buffer.from(encoded, 'base64').toString('utf8') : undefined;
};

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

// Serving bundles: every block a parseable CERTIFICATE, the leaf naming a host (CN or SAN).
const servingBundleError = (pem: string, limits: PemLimits): { error?: string; leaf?: X509Certificate } => {
  const parsed = parsePemBlocks(pem, limits);
  if ('error' in parsed) return { error: parsed.error };
  const blocks = parsed.blocks;
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

const caBundleError = (pem: string, limits: PemLimits): string | undefined => {
  const parsed = parsePemBlocks(pem, limits);
  if ('error' in parsed) return parsed.error;
  const blocks = parsed.blocks;
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
const loadPrivateKey = (pem: string, limits: PemLimits): KeyObject => {
  const parsed = parsePemBlocks(pem, limits);
  if ('error' in parsed) throw new Error(parsed.error);
  const block = parsed.blocks.find((candidate) => candidate.type in keyEncodings);
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
export const validateTlsSecret = (secret: Secret, limits: PemLimits = defaultPemLimits): CheckedSecret => {
  const type = secret.type ?? 'Opaque';
  if (!tlsSecretTypes.has(type)) return { error: 'secret type is not "kubernetes.io/tls" or "Opaque"' };
  const certificateChain = secretValue(secret, 'tls.crt');
  if (certificateChain === undefined) return { error: 'missing TLS certificate' };
  const bundle = servingBundleError(certificateChain, limits);
  if (bundle.error || !bundle.leaf)
    return { error: `invalid TLS certificate: ${bundle.error ?? 'no certificate'}` };
  const privateKey = secretValue(secret, 'tls.key');
  if (privateKey === undefined) return { error: 'missing TLS private key' };
  let key;
  try {
    key = loadPrivateKey(privateKey, limits);
  } catch (error) {
    return { error: `invalid TLS private key: ${errorText(error)}` };
  }
  if (!bundle.leaf.checkPrivateKey(key))
    return { error: 'invalid TLS private key: key does not match the certificate' };
  const namespace = secret.metadata.namespace ?? '';
  const content = { certificateChain, privateKey };
  return {
    secret: {
      name: `${namespace}/${secret.metadata.name}/${contentHash(content)}`,
      source: { namespace, name: secret.metadata.name },
      ...content,
    },
  };
};

/** Validates a CA Secret (`ca.crt`); returns the Envoy secret or why it cannot be used. */
export const validateCaSecret = (secret: Secret, limits: PemLimits = defaultPemLimits): CheckedSecret => {
  const type = secret.type ?? 'Opaque';
  if (!tlsSecretTypes.has(type)) return { error: 'secret type is not "kubernetes.io/tls" or "Opaque"' };
  const caCertificate = secretValue(secret, 'ca.crt');
  if (!caCertificate) return { error: 'empty "ca.crt" key' };
  const error = caBundleError(caCertificate, limits);
  if (error) return { error: `invalid CA certificate bundle: ${error}` };
  const namespace = secret.metadata.namespace ?? '';
  return {
    secret: {
      name: `${namespace}/${secret.metadata.name}/${contentHash({ caCertificate })}`,
      source: { namespace, name: secret.metadata.name },
      caCertificate,
    },
  };
};

const inputKeys: Record<SecretCheckKind, string[]> = { tls: ['tls.crt', 'tls.key'], ca: ['ca.crt'] };
const checks: Record<SecretCheckKind, (secret: Secret, limits: PemLimits) => CheckedSecret> = {
  tls: validateTlsSecret,
  ca: validateCaSecret,
};

/**
 * A validation done elsewhere (a manifest-parsing worker thread) for a Secret by name and content;
 * used when the build asks about a Secret with exactly that type and content.
 */
export interface PrimedSecretCheck {
  kind: SecretCheckKind;
  namespace: string;
  name: string;
  type: string;
  inputs: (string | undefined)[];
  /** The PEM limits the check ran under (a parser thread knows only the defaults). */
  limits: PemLimits;
  result: CheckedSecret;
}

const inputsOf = (kind: SecretCheckKind, secret: Secret): (string | undefined)[] =>
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
      limits: defaultPemLimits,
      result: checks[kind](secret, defaultPemLimits),
    }));

const primedKey = (kind: SecretCheckKind, namespace: string, name: string): string =>
  `${kind}\0${namespace}/${name}`;

/**
 * Secret validations a build may reuse: checks primed by a manifest parser thread, which wait until a
 * build asks about their Secret, and every result, remembered per Secret object (store objects are
 * immutable: a change is a new object) with the PEM limits it ran under. Owned by whoever builds (the
 * engine keeps one for its lifetime) and passed in: never module state.
 */
export interface SecretChecks {
  /** Adds checks made elsewhere, used for Secrets of the same name, type, content and limits. */
  prime(checks: readonly PrimedSecretCheck[]): void;
  /** The validation of a Secret under `limits`, done once per Secret object. */
  validate(kind: SecretCheckKind, secret: Secret, limits: PemLimits): CheckedSecret;
}

/** Creates an empty set of secret checks. */
export const createSecretChecks = (): SecretChecks => {
  const primed = new Map<string, PrimedSecretCheck>();
  const validations: Record<
    SecretCheckKind,
    WeakMap<Secret, { limits: PemLimits; result: CheckedSecret }>
  > = { tls: new WeakMap(), ca: new WeakMap() };
  /** The primed check of this Secret, if one was made for exactly its type, content and limits (taken once). */
  const takePrimed = (
    kind: SecretCheckKind,
    secret: Secret,
    limits: PemLimits,
  ): CheckedSecret | undefined => {
    const key = primedKey(kind, secret.metadata.namespace ?? '', secret.metadata.name);
    const check = primed.get(key);
    if (!check) return undefined;
    primed.delete(key);
    const inputs = inputsOf(kind, secret);
    const same =
      samePemLimits(check.limits, limits) &&
      check.type === (secret.type ?? 'Opaque') &&
      check.inputs.length === inputs.length &&
      check.inputs.every((input, index) => input === inputs[index]);
    return same ? check.result : undefined;
  };
  return {
    prime(made) {
      for (const check of made) primed.set(primedKey(check.kind, check.namespace, check.name), check);
    },
    validate(kind, secret, limits) {
      const memo = validations[kind].get(secret);
      if (memo && samePemLimits(memo.limits, limits)) return memo.result;
      const result = takePrimed(kind, secret, limits) ?? checks[kind](secret, limits);
      validations[kind].set(secret, { limits, result });
      return result;
    },
  };
};
