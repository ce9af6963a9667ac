// The one TLS key pair every generated Secret uses: a wildcard certificate for the bench domain.
// RSA key generation in pure JS takes seconds, so the pair is generated once (from a fixed seed,
// hence reproducibly) and kept in bench/fixtures; later runs only read it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import forge from 'node-forge';

/** The DNS suffix of every generated virtual host; the certificate covers `*.<benchDomain>`. */
export const benchDomain = 'bench.contour.test';

/** A PEM certificate and its private key. */
export interface PemKeyPair {
  certificate: string;
  privateKey: string;
}

const fixtureFile = resolve(dirname(fileURLToPath(import.meta.url)), 'fixtures/wildcard-tls.json');

// Fixed inputs make the generated pair the same on every machine that has to regenerate it.
const keySeed = 'contour-ts bench wildcard key v1';
const notBefore = new Date('2025-01-01T00:00:00Z');
const notAfter = new Date('2045-01-01T00:00:00Z');

/** Generates the wildcard key pair deterministically (slow: RSA 2048 in JS). */
export const generateWildcardKeyPair = (): PemKeyPair => {
  const prng = forge.random.createInstance();
  prng.seedFileSync = () => keySeed;
  // Envoy (BoringSSL) refuses RSA keys under 2048 bits.
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001, prng, workers: -1 });
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = keys.publicKey;
  certificate.serialNumber = '01';
  certificate.validity.notBefore = notBefore;
  certificate.validity.notAfter = notAfter;
  const subject = [{ name: 'commonName', value: `*.${benchDomain}` }];
  certificate.setSubject(subject);
  certificate.setIssuer(subject);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: `*.${benchDomain}` }] },
  ]);
  certificate.sign(keys.privateKey, forge.md.sha256.create());
  return {
    certificate: forge.pki.certificateToPem(certificate),
    privateKey: forge.pki.privateKeyToPem(keys.privateKey),
  };
};

/** The bench key pair: read from the fixture file, generated and saved there when missing. */
export const wildcardKeyPair = (): PemKeyPair => {
  if (existsSync(fixtureFile)) return JSON.parse(readFileSync(fixtureFile, 'utf8')) as PemKeyPair;
  const pair = generateWildcardKeyPair();
  mkdirSync(dirname(fixtureFile), { recursive: true });
  writeFileSync(fixtureFile, JSON.stringify(pair, null, 2) + '\n');
  return pair;
};
