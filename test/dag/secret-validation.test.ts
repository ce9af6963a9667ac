// Serving-certificate Secrets: every private-key encoding users put in `tls.key` loads, a key that
// does not match or does not decode is a clear error, and a Secret object is validated once.
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { before, describe, it } from 'node:test';
import type { Secret } from '../../src/apis/kubernetes.js';
import { generateCertificates, type GeneratedCertificates } from '../../src/certs/generate.js';
import {
  checkSecretForPriming,
  createSecretChecks,
  validateCaSecret,
  validateTlsSecret,
} from '../../src/certs/secret-checks.js';
import { shortHash } from '../../src/dag/names.js';
import { createSecretResolver } from '../../src/dag/secrets.js';
import { createStore } from '../../src/store/store.js';

const tlsSecret = (certificate: string, key: string, name = 'tls'): Secret => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'default' },
  type: 'kubernetes.io/tls',
  stringData: { 'tls.crt': certificate, 'tls.key': key },
});

describe('TLS secret validation', () => {
  let pair: GeneratedCertificates;
  let pkcs1: string;
  before(() => {
    pair = generateCertificates({ now: new Date('2026-01-01T00:00:00Z') });
    pkcs1 = pair.envoyPrivateKey;
  });

  it('accepts the key as PKCS#1 and as PKCS#8', () => {
    assert.match(pkcs1, /BEGIN RSA PRIVATE KEY/);
    const pkcs8 = createPrivateKey(pkcs1).export({ type: 'pkcs8', format: 'pem' }).toString();
    assert.match(pkcs8, /BEGIN PRIVATE KEY/);
    for (const key of [pkcs1, pkcs8, `# a comment line\n${pkcs8}`]) {
      const result = validateTlsSecret(tlsSecret(pair.envoyCertificate, key));
      assert.equal(result.error, undefined);
      assert.equal(result.secret?.privateKey, key, 'the key is passed to Envoy as written');
    }
  });

  it('rejects a key that does not match the certificate, whatever its encoding', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    for (const key of [
      pair.contourPrivateKey,
      ec.export({ type: 'sec1', format: 'pem' }).toString(),
      ec.export({ type: 'pkcs8', format: 'pem' }).toString(),
    ]) {
      assert.equal(
        validateTlsSecret(tlsSecret(pair.envoyCertificate, key)).error,
        'invalid TLS private key: key does not match the certificate',
      );
    }
  });

  it('reports a key that cannot be read', () => {
    const encrypted = createPrivateKey(pkcs1)
      .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' })
      .toString();
    const corrupt = pkcs1.replace(/\n[A-Za-z0-9+/]{20}/, '\n!!!!');
    for (const key of [encrypted, corrupt, 'not a key']) {
      assert.match(
        validateTlsSecret(tlsSecret(pair.envoyCertificate, key)).error ?? '',
        /^invalid TLS private key: /,
      );
    }
  });

  it('names the Envoy secret by the shortHash of its content, as every other DAG name', () => {
    const secret = tlsSecret(pair.envoyCertificate, pkcs1);
    const content = { certificateChain: pair.envoyCertificate, privateKey: pkcs1 };
    assert.equal(validateTlsSecret(secret).secret?.name, `default/tls/${shortHash(content)}`);
    const ca: Secret = { ...secret, stringData: { 'ca.crt': pair.caCertificate } };
    const caName = `default/tls/${shortHash({ caCertificate: pair.caCertificate })}`;
    assert.equal(validateCaSecret(ca).secret?.name, caName);
  });

  it('validates a Secret object once across resolvers, and again once it changes', () => {
    const store = createStore();
    const valid = tlsSecret(pair.envoyCertificate, pkcs1);
    store.apply({ type: 'upsert', object: valid });
    // The checks belong to whoever builds (an engine keeps them across its builds).
    const checks = createSecretChecks();
    const first = createSecretResolver(store, undefined, undefined, checks).tls('default', 'tls', 'default');
    const second = createSecretResolver(store, undefined, undefined, checks).tls('default', 'tls', 'default');
    assert.ok(first.ok && second.ok);
    assert.equal(first.secret, second.secret, 'the second build reuses the first validation');
    store.apply({ type: 'upsert', object: tlsSecret(pair.envoyCertificate, pair.contourPrivateKey) });
    const third = createSecretResolver(store, undefined, undefined, checks).tls('default', 'tls', 'default');
    assert.ok(!third.ok);
    assert.equal(third.message, 'invalid TLS private key: key does not match the certificate');
  });
});

describe('primed secret checks (from the manifest parser threads)', () => {
  it('are used for a Secret with the same name, type and content, and only then', () => {
    const pair = generateCertificates({ now: new Date('2026-01-01T00:00:00Z') });
    const store = createStore();
    const secret = tlsSecret(pair.envoyCertificate, pair.envoyPrivateKey, 'primed');
    const [check] = checkSecretForPriming(secret);
    assert.equal(check.kind, 'tls');
    assert.equal(check.result.error, undefined);
    // A primed result the real validation would never give proves which path answered.
    const checks = createSecretChecks();
    checks.prime([{ ...check, result: { error: 'primed answer' } }]);
    store.apply({ type: 'upsert', object: secret });
    const used = createSecretResolver(store, undefined, undefined, checks).tls(
      'default',
      'primed',
      'default',
    );
    // Checks are owned by whoever builds: a resolver with its own set never sees them.
    assert.ok(createSecretResolver(store).tls('default', 'primed', 'default').ok);
    assert.ok(!used.ok && used.message === 'primed answer');

    const other = tlsSecret(pair.envoyCertificate, pair.envoyPrivateKey, 'changed');
    checks.prime([{ ...check, name: 'changed', result: { error: 'primed answer' } }]);
    store.apply({
      type: 'upsert',
      object: { ...other, stringData: { ...other.stringData, 'tls.key': pair.contourPrivateKey } },
    });
    const checked = createSecretResolver(store, undefined, undefined, checks).tls(
      'default',
      'changed',
      'default',
    );
    assert.ok(!checked.ok);
    assert.equal(checked.message, 'invalid TLS private key: key does not match the certificate');
  });
});
