import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { envoySecret } from '../../src/envoy/secret.js';
import { resourceToJson } from '../../src/envoy/canonical-json.js';
import { json, tlsSecret } from './fixtures.js';

const base64 = (text: string) => Buffer.from(text).toString('base64');

describe('secrets', () => {
  it('a key pair becomes a tls_certificate with inline PEM', () => {
    const secret = tlsSecret('default/site/0011223344');
    assert.deepEqual(json(envoySecret(secret)!), {
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
      name: 'default/site/0011223344',
      tls_certificate: {
        certificate_chain: { inline_bytes: base64(secret.certificateChain!) },
        private_key: { inline_bytes: base64(secret.privateKey!) },
      },
    });
  });

  it('a CA bundle becomes a validation_context', () => {
    const ca = '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n';
    assert.deepEqual(
      json(
        envoySecret({
          name: 'default/ca/1',
          source: { namespace: 'default', name: 'ca' },
          caCertificate: ca,
        })!,
      ),
      {
        '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
        name: 'default/ca/1',
        validation_context: { trusted_ca: { inline_bytes: base64(ca) } },
      },
    );
  });

  it('a secret with nothing usable yields no resource', () => {
    assert.equal(
      envoySecret({ name: 'default/empty/1', source: { namespace: 'default', name: 'empty' } }),
      undefined,
    );
  });

  it('canonical JSON can redact private keys', () => {
    const redacted = resourceToJson(envoySecret(tlsSecret('default/site/1'))!, { redactPrivateKeys: true });
    assert.equal(
      (redacted as { tls_certificate: { private_key: unknown } }).tls_certificate.private_key,
      '[redacted]',
    );
  });
});
