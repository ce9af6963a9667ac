// The Kubernetes Secrets `contour certgen --yaml/--kube` produces, in Contour's two layouts.
import type { GeneratedCertificates } from './generate.js';

/** "legacy": CA in its own `cacert` Secret (Contour ≤ 1.4); "compact": `ca.crt` inside each TLS Secret. */
export type SecretsFormat = 'legacy' | 'compact';

export const secretsFormats: SecretsFormat[] = ['legacy', 'compact'];

/** A v1 Secret as written to YAML or the API server. */
export interface CertificateSecret {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  type: 'kubernetes.io/tls' | 'Opaque';
  /** Base64-encoded values. */
  data: Record<string, string>;
}

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Checks a namespace (DNS-1123 label) and a Secret name (DNS-1123 subdomain); returns the problems. */
export const validateSecretNames = (namespace: string, name: string): string[] => {
  const problems: string[] = [];
  if (namespace.length > 63 || !dns1123Label.test(namespace)) {
    problems.push(
      `invalid namespace name "${namespace}": must be a DNS-1123 label (at most 63 lowercase letters, digits or '-', starting and ending with a letter or digit)`,
    );
  }
  if (name.length > 253 || !dns1123Subdomain.test(name)) {
    problems.push(
      `invalid secret name "${name}": must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', at most 253 characters)`,
    );
  }
  return problems;
};

const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

const secret = (
  name: string,
  namespace: string,
  type: CertificateSecret['type'],
  data: Record<string, string>,
): CertificateSecret => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace, labels: { app: 'contour' } },
  type,
  data: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, base64(value)])),
});

/** The Secrets for the given certificates, or the reasons the names are invalid. */
export const certificateSecrets = (
  certificates: GeneratedCertificates,
  options: { namespace: string; nameSuffix: string; format: SecretsFormat },
): { ok: true; secrets: CertificateSecret[] } | { ok: false; errors: string[] } => {
  const { namespace, nameSuffix, format } = options;
  // "contourcert" is the longest base name, so checking it covers the others.
  const errors = validateSecretNames(namespace, `contourcert${nameSuffix}`);
  if (errors.length > 0) return { ok: false, errors };
  const withCa = format === 'compact';
  const tls = (name: string, certificate: string, key: string) =>
    secret(`${name}${nameSuffix}`, namespace, 'kubernetes.io/tls', {
      ...(withCa ? { 'ca.crt': certificates.caCertificate } : {}),
      'tls.crt': certificate,
      'tls.key': key,
    });
  const secrets = [
    tls('contourcert', certificates.contourCertificate, certificates.contourPrivateKey),
    tls('envoycert', certificates.envoyCertificate, certificates.envoyPrivateKey),
  ];
  if (!withCa) {
    secrets.push(
      secret(`cacert${nameSuffix}`, namespace, 'Opaque', { 'cacert.pem': certificates.caCertificate }),
    );
  }
  return { ok: true, secrets };
};
