// SDS secrets: serving certificates (tls_certificate) and CA bundles (validation_context).
import { create } from '@bufbuild/protobuf';
import { SecretSchema, type Secret } from '../gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import type { TlsSecret } from '../dag/types.js';

const pemBytes = (pem: string) => ({
  specifier: { case: 'inlineBytes' as const, value: new TextEncoder().encode(pem) },
});

/** The Envoy secret for a DAG secret; undefined when it holds neither a key pair nor a CA. */
export const envoySecret = (secret: TlsSecret): Secret | undefined => {
  if (secret.certificateChain && secret.privateKey) {
    return create(SecretSchema, {
      name: secret.name,
      type: {
        case: 'tlsCertificate' as const,
        value: {
          certificateChain: pemBytes(secret.certificateChain),
          privateKey: pemBytes(secret.privateKey),
        },
      },
    });
  }
  if (secret.caCertificate) {
    return create(SecretSchema, {
      name: secret.name,
      type: { case: 'validationContext' as const, value: { trustedCa: pemBytes(secret.caCertificate) } },
    });
  }
  return undefined;
};
