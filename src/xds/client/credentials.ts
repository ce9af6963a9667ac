// Channel credentials for talking to contour-ts's xDS server: plaintext, or mTLS with the envoy certificate
// from `contour certgen`, checking that the server presents contour's certificate.
import * as grpc from '@grpc/grpc-js';
import { loadTlsMaterial, type TlsFilePaths } from '../../certs/tls-files.js';

/** The name contour's serving certificate carries (certgen's SANs), checked instead of the dialled address. */
export const xdsServerName = 'contour';

export interface XdsChannel {
  credentials: grpc.ChannelCredentials;
  options: grpc.ChannelOptions;
}

/** Plaintext when no files are given; mTLS when all three are; an error message otherwise. */
export const xdsChannelCredentials = (
  files: Partial<TlsFilePaths>,
  flagNames = ['--cafile', '--cert-file', '--key-file'],
): { ok: true; channel: XdsChannel } | { ok: false; error: string } => {
  const given = [files.caFile, files.certFile, files.keyFile].filter((f) => f !== undefined && f !== '');
  if (given.length === 0)
    return { ok: true, channel: { credentials: grpc.credentials.createInsecure(), options: {} } };
  if (given.length !== 3) {
    return {
      ok: false,
      error: `you must supply all three TLS parameters - ${flagNames.join(', ')}, or none of them`,
    };
  }
  const loaded = loadTlsMaterial({
    caFile: files.caFile!,
    certFile: files.certFile!,
    keyFile: files.keyFile!,
  });
  if (!loaded.ok) return { ok: false, error: loaded.error };
  const { ca, key, cert } = loaded.material;
  return {
    ok: true,
    channel: {
      credentials: grpc.credentials.createSsl(ca, key, cert),
      // Pods dial the Service by whatever name or IP; the certificate always names "contour".
      options: { 'grpc.ssl_target_name_override': xdsServerName, 'grpc.default_authority': xdsServerName },
    },
  };
};
