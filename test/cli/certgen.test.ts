// `contour certgen`: a CA and two certificates it really signed, with the Service DNS names, written as PEM
// files or Secret YAML in Contour's layouts; existing output is kept unless --overwrite.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { generateCertificates } from '../../src/certs/generate.js';
import { certificateSecrets } from '../../src/certs/secrets.js';
import { runContour } from './run.js';

const dnsNames = (service: string, namespace: string) =>
  `DNS:${service}, DNS:${service}.${namespace}, DNS:${service}.${namespace}.svc, DNS:${service}.${namespace}.svc.cluster.local`;

const assertSignedPair = (caPem: string, certificatePem: string, keyPem: string, subject: string) => {
  const ca = new X509Certificate(caPem);
  const certificate = new X509Certificate(certificatePem);
  assert.equal(ca.ca, true, 'the CA is a CA');
  assert.equal(certificate.ca, false, 'a leaf is not a CA');
  assert.equal(certificate.verify(ca.publicKey), true, 'signed by the CA');
  assert.equal(certificate.checkIssued(ca), true);
  assert.equal(certificate.checkPrivateKey(createPrivateKey(keyPem)), true, 'key matches certificate');
  assert.equal(certificate.subject, `CN=${subject}`);
};

describe('certificate generation', () => {
  it('issues contour and envoy certificates for their Service names, signed by a new CA', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const certs = generateCertificates({ namespace: 'ingress', lifetimeDays: 30, now });
    assertSignedPair(certs.caCertificate, certs.contourCertificate, certs.contourPrivateKey, 'contour');
    assertSignedPair(certs.caCertificate, certs.envoyCertificate, certs.envoyPrivateKey, 'envoy');
    const contour = new X509Certificate(certs.contourCertificate);
    assert.equal(contour.subjectAltName, dnsNames('contour', 'ingress'));
    assert.equal(new X509Certificate(certs.envoyCertificate).subjectAltName, dnsNames('envoy', 'ingress'));
    assert.equal(new Date(contour.validTo).getTime(), now.getTime() + 30 * 86_400_000);
    assert.ok(new Date(contour.validFrom).getTime() < now.getTime(), 'back-dated for clock skew');
    assert.match(new X509Certificate(certs.caCertificate).subject, /CN=Project Contour/);
    const other = generateCertificates({ now });
    assert.notEqual(other.caCertificate, certs.caCertificate, 'each run makes a new CA');
    assert.equal(
      new X509Certificate(certs.contourCertificate).verify(
        new X509Certificate(other.caCertificate).publicKey,
      ),
      false,
    );
  });

  it('rejects a namespace or suffix Kubernetes would refuse', () => {
    const certs = generateCertificates();
    const bad = certificateSecrets(certs, { namespace: 'Bad_NS', nameSuffix: '', format: 'compact' });
    assert.equal(bad.ok, false);
    assert.match(bad.ok ? '' : bad.errors.join(), /invalid namespace name "Bad_NS"/);
    const suffix = certificateSecrets(certs, { namespace: 'ok', nameSuffix: '_X', format: 'legacy' });
    assert.match(suffix.ok ? '' : suffix.errors.join(), /invalid secret name "contourcert_X"/);
  });
});

describe('contour certgen', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'contour-certgen-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--pem writes five owner-only PEM files and keeps them unless --overwrite', () => {
    const out = join(dir, 'pem');
    const first = runContour(['certgen', '--pem', out]);
    assert.equal(first.status, 0, first.stderr);
    const names = ['cacert.pem', 'contourcert.pem', 'contourkey.pem', 'envoycert.pem', 'envoykey.pem'];
    assert.deepEqual(readdirSync(out).sort(), names);
    for (const name of names) assert.equal(statSync(join(out, name)).mode & 0o777, 0o600, name);
    const read = (name: string) => readFileSync(join(out, name), 'utf8');
    assertSignedPair(read('cacert.pem'), read('contourcert.pem'), read('contourkey.pem'), 'contour');
    assertSignedPair(read('cacert.pem'), read('envoycert.pem'), read('envoykey.pem'), 'envoy');
    assert.equal(
      new X509Certificate(read('contourcert.pem')).subjectAltName,
      dnsNames('contour', 'projectcontour'),
    );
    assert.match(first.stdout, /contourcert\.pem created/);

    const ca = read('cacert.pem');
    const again = runContour(['certgen', '--pem', out]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /already exists \(use --overwrite\)/);
    assert.equal(read('cacert.pem'), ca, 'untouched without --overwrite');

    const overwritten = runContour(['certgen', '--pem', '--overwrite', `--output-dir=${out}`]);
    assert.equal(overwritten.status, 0, overwritten.stderr);
    assert.notEqual(read('cacert.pem'), ca);
    assertSignedPair(read('cacert.pem'), read('contourcert.pem'), read('contourkey.pem'), 'contour');
  });

  it('--yaml writes compact or legacy Secrets in the given namespace', () => {
    const compact = join(dir, 'compact');
    const result = runContour(['certgen', '--yaml', '--secrets-format=compact', '--namespace=edge', compact]);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(readdirSync(compact).sort(), ['contourcert.yaml', 'envoycert.yaml']);
    const secret = parse(readFileSync(join(compact, 'contourcert.yaml'), 'utf8')) as {
      kind: string;
      type: string;
      metadata: { name: string; namespace: string; labels: Record<string, string> };
      data: Record<string, string>;
    };
    assert.equal(secret.kind, 'Secret');
    assert.equal(secret.type, 'kubernetes.io/tls');
    assert.deepEqual(secret.metadata, { name: 'contourcert', namespace: 'edge', labels: { app: 'contour' } });
    assert.deepEqual(Object.keys(secret.data).sort(), ['ca.crt', 'tls.crt', 'tls.key']);
    const decoded = (key: string) => Buffer.from(secret.data[key], 'base64').toString('utf8');
    assertSignedPair(decoded('ca.crt'), decoded('tls.crt'), decoded('tls.key'), 'contour');
    assert.equal(new X509Certificate(decoded('tls.crt')).subjectAltName, dnsNames('contour', 'edge'));

    const legacy = join(dir, 'legacy');
    const legacyResult = runContour(['certgen', '--yaml', '--secrets-name-suffix=-v2', legacy]);
    assert.equal(legacyResult.status, 0, legacyResult.stderr);
    assert.deepEqual(readdirSync(legacy).sort(), [
      'cacert-v2.yaml',
      'contourcert-v2.yaml',
      'envoycert-v2.yaml',
    ]);
    const ca = parse(readFileSync(join(legacy, 'cacert-v2.yaml'), 'utf8')) as {
      type: string;
      data: Record<string, string>;
    };
    assert.equal(ca.type, 'Opaque');
    assert.deepEqual(Object.keys(ca.data), ['cacert.pem']);
  });

  it('explains bad input instead of failing obscurely', () => {
    const nothing = runContour(['certgen', join(dir, 'none')]);
    assert.equal(nothing.status, 1);
    assert.match(nothing.stderr, /--pem, --yaml, --kube/);
    const format = runContour(['certgen', '--yaml', '--secrets-format=fancy', join(dir, 'x')]);
    assert.equal(format.status, 1);
    assert.match(format.stderr, /unsupported Secrets format "fancy"/);
    const namespace = runContour(['certgen', '--yaml', '--namespace=Not_Valid', join(dir, 'y')]);
    assert.equal(namespace.status, 1);
    assert.match(namespace.stderr, /invalid namespace name "Not_Valid"/);
  });
});
