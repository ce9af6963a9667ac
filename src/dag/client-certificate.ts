// Contour's `tls.envoy-client-certificate`: the certificate Envoy presents to TLS backends, a Secret the
// administrator names, so it is read without a TLSCertificateDelegation. Every processor looks it up for
// every backend (whatever its protocol), as Contour does: a Secret that is missing or invalid makes the
// routes that would use it invalid.
import type { BuildContext } from './context.js';
import type { UpstreamProtocol } from './types.js';

/** The client certificate's SDS name (added to the DAG), none when not configured, or why it is unusable. */
export type ClientCertificateLookup = { ok: true; secret?: string } | { ok: false; message: string };

/** Looks the client certificate up (no delegation needed: the administrator configured it). */
export const clientCertificateOf = (context: BuildContext): ClientCertificateLookup => {
  const reference = context.options.clusterDefaults?.clientCertificate;
  if (!reference) return { ok: true };
  const found = context.secrets.tls(reference.namespace, reference.name, reference.namespace);
  if (!found.ok) {
    return {
      ok: false,
      message: `tls.envoy-client-certificate Secret "${reference.namespace}/${reference.name}" is invalid: ${found.message}`,
    };
  }
  context.dag.addSecret(found.secret);
  return { ok: true, secret: found.secret.name };
};

/**
 * The client certificate a cluster carries: only TLS clusters present it, so rotating it leaves the
 * others (and their names) alone. Contour also hangs it on plaintext clusters, where Envoy never uses it.
 */
export const clusterClientCertificate = (
  protocol: UpstreamProtocol | undefined,
  secret: string | undefined,
): string | undefined => (protocol === 'tls' || protocol === 'h2' ? secret : undefined);
