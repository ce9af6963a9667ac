// Functions the PEM tests run in a worker thread (see test/helpers/deadline.ts).
import { validateCaSecret, validateTlsSecret } from '../../src/certs/secret-checks.js';
import type { Secret } from '../../src/apis/kubernetes.js';

const secretWith = (values: Record<string, string>): Secret => ({
  apiVersion: 'v1',
  kind: 'Secret',
  type: 'kubernetes.io/tls',
  metadata: { namespace: 'default', name: 'hostile' },
  stringData: values,
});

/** The error of a TLS Secret whose `tls.crt` is `certificate`. */
export const tlsSecretError = (certificate: string, key: string): string | undefined =>
  validateTlsSecret(secretWith({ 'tls.crt': certificate, 'tls.key': key })).error;

/** The error of a CA Secret whose `ca.crt` is `bundle`. */
export const caSecretError = (bundle: string): string | undefined =>
  validateCaSecret(secretWith({ 'ca.crt': bundle })).error;
