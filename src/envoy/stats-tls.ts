// Envoy's stats listener over TLS (Contour's metrics.envoy server-certificate-path, server-key-path and
// ca-certificate-path): the listener's TLS context names two SDS secrets, and contour serves them over
// xDS as file references, so Envoy reads the files on its own file system (and re-reads them when
// they change). TLS 1.3 only; with a CA, clients must present a certificate it signed.
import { create } from '@bufbuild/protobuf';
import { SecretSchema, type Secret } from '../gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import {
  DownstreamTlsContextSchema,
  type DownstreamTlsContext,
} from '../gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { TlsParameters_TlsProtocol } from '../gen/envoy/extensions/transport_sockets/tls/v3/common_pb.js';
import { adsConfigSource } from './proto-util.js';

/** Paths of the stats listener's files, on Envoy's file system. */
export interface StatsTlsFiles {
  certFile: string;
  keyFile: string;
  /** When set, a client certificate signed by this CA is required. */
  caFile?: string;
}

/** Contour's SDS names of the stats listener's certificate and CA. */
export const statsCertificateSecretName = 'metrics-tls-certificate';
export const statsCaSecretName = 'metrics-ca-certificate';

const file = (path: string) => ({ specifier: { case: 'filename' as const, value: path } });

/** The TLS context of the `stats` listener. */
export const statsTlsContext = (files: StatsTlsFiles): DownstreamTlsContext =>
  create(DownstreamTlsContextSchema, {
    commonTlsContext: {
      tlsParams: {
        tlsMinimumProtocolVersion: TlsParameters_TlsProtocol.TLSv1_3,
        tlsMaximumProtocolVersion: TlsParameters_TlsProtocol.TLSv1_3,
      },
      tlsCertificateSdsSecretConfigs: [{ name: statsCertificateSecretName, sdsConfig: adsConfigSource() }],
      validationContextType: files.caFile
        ? {
            case: 'validationContextSdsSecretConfig' as const,
            value: { name: statsCaSecretName, sdsConfig: adsConfigSource() },
          }
        : { case: undefined },
    },
    requireClientCertificate: files.caFile ? true : undefined,
  });

/** The SDS secrets the `stats` listener's TLS context names: file references, none without TLS. */
export const statsSecrets = (files: StatsTlsFiles | undefined): Secret[] => {
  if (!files) return [];
  const secrets = [
    create(SecretSchema, {
      name: statsCertificateSecretName,
      type: {
        case: 'tlsCertificate' as const,
        value: { certificateChain: file(files.certFile), privateKey: file(files.keyFile) },
      },
    }),
  ];
  if (files.caFile)
    secrets.push(
      create(SecretSchema, {
        name: statsCaSecretName,
        type: { case: 'validationContext' as const, value: { trustedCa: file(files.caFile) } },
      }),
    );
  return secrets;
};
