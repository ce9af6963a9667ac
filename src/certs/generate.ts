// Issues the certificates `contour certgen` writes: a CA, a serving certificate for contour's Service and a
// certificate for Envoy, all signed by the CA, with the Kubernetes DNS names of each Service as SANs.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import forge from 'node-forge';

/** Contour's defaults. */
export const defaultCertificateLifetimeDays = 365;
export const defaultNamespace = 'projectcontour';
export const defaultClusterDnsName = 'cluster.local';
export const defaultContourServiceName = 'contour';
export const defaultEnvoyServiceName = 'envoy';
const caCommonName = 'Project Contour';
// The minimum recommended RSA key size, as Contour uses.
const rsaKeyBits = 2048;
const dayMs = 24 * 60 * 60 * 1000;

export interface CertificateRequest {
  /** Days the certificates stay valid. */
  lifetimeDays?: number;
  /** Namespace of the Services (part of the SANs). */
  namespace?: string;
  /** Cluster DNS suffix (part of the SANs). */
  clusterDnsName?: string;
  contourServiceName?: string;
  envoyServiceName?: string;
  /** Issue time; defaults to now (tests pin it). */
  now?: Date;
}

/** PEM-encoded CA certificate and the two key pairs it signed. */
export interface GeneratedCertificates {
  caCertificate: string;
  /** The CA's key, so callers (tests, rotation) can issue more certificates from the same CA. */
  caPrivateKey: string;
  contourCertificate: string;
  contourPrivateKey: string;
  envoyCertificate: string;
  envoyPrivateKey: string;
}

/** The SANs of a Service's certificate: its short and fully-qualified DNS names. */
export const serviceDnsNames = (service: string, namespace: string, clusterDnsName: string): string[] => [
  service,
  `${service}.${namespace}`,
  `${service}.${namespace}.svc`,
  `${service}.${namespace}.svc.${clusterDnsName}`,
];

interface KeyPair {
  /** PKCS#1 PEM, used to sign natively. */
  privateKeyPem: string;
  publicKey: forge.pki.rsa.PublicKey;
}

// node's native RSA generation is much faster than node-forge's JavaScript one.
const newKeyPair = (): KeyPair => {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: rsaKeyBits,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const forgeKey = forge.pki.privateKeyFromPem(privateKey);
  return { privateKeyPem: privateKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e) };
};

// Signs with node's native RSA (forge's JavaScript RSA takes most of a second per signature). forge asks a
// digest object for its algorithm and feeds it the TBS bytes, then asks the key to sign that digest: both are
// stand-ins that collect the bytes and sign them with node:crypto.
const signCertificate = (certificate: forge.pki.Certificate, issuerKeyPem: string): void => {
  let tbsBytes = '';
  const digest = {
    algorithm: 'sha256',
    update: (bytes: string) => {
      tbsBytes += bytes;
    },
  };
  const signer = {
    sign: () => sign('sha256', Buffer.from(tbsBytes, 'binary'), issuerKeyPem).toString('binary'),
  };
  certificate.sign(
    signer as unknown as forge.pki.rsa.PrivateKey,
    digest as unknown as forge.md.MessageDigest,
  );
};

// A positive random serial (leading byte < 0x80 keeps the DER integer positive).
const newSerial = (): string => {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  return bytes.toString('hex');
};

const validity = (certificate: forge.pki.Certificate, now: Date, lifetimeDays: number) => {
  // Back-dated a day so a client with a slightly slow clock accepts it (as Contour does).
  certificate.validity.notBefore = new Date(now.getTime() - dayMs);
  certificate.validity.notAfter = new Date(now.getTime() + lifetimeDays * dayMs);
};

const newCa = (now: Date, lifetimeDays: number): { certificate: forge.pki.Certificate; keys: KeyPair } => {
  const keys = newKeyPair();
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = keys.publicKey;
  certificate.serialNumber = newSerial();
  validity(certificate, now, lifetimeDays);
  const subject = [
    { name: 'commonName', value: caCommonName },
    { type: '2.5.4.5', value: BigInt('0x' + certificate.serialNumber).toString() },
  ];
  certificate.setSubject(subject);
  certificate.setIssuer(subject);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  signCertificate(certificate, keys.privateKeyPem);
  return { certificate, keys };
};

const newLeaf = (
  ca: { certificate: forge.pki.Certificate; keys: KeyPair },
  service: string,
  dnsNames: string[],
  now: Date,
  lifetimeDays: number,
): { certificate: string; privateKey: string } => {
  const keys = newKeyPair();
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = keys.publicKey;
  certificate.serialNumber = newSerial();
  validity(certificate, now, lifetimeDays);
  certificate.setSubject([{ name: 'commonName', value: service }]);
  certificate.setIssuer(ca.certificate.subject.attributes);
  // No extended key usage, as Contour's: the same certificate may serve or authenticate a client.
  certificate.setExtensions([
    {
      name: 'keyUsage',
      digitalSignature: true,
      nonRepudiation: true,
      keyEncipherment: true,
      dataEncipherment: true,
      critical: true,
    },
    { name: 'subjectAltName', altNames: dnsNames.map((value) => ({ type: 2, value })) },
    { name: 'subjectKeyIdentifier' },
    {
      name: 'authorityKeyIdentifier',
      keyIdentifier: ca.certificate.generateSubjectKeyIdentifier().getBytes(),
    },
  ]);
  signCertificate(certificate, ca.keys.privateKeyPem);
  return { certificate: forge.pki.certificateToPem(certificate), privateKey: keys.privateKeyPem };
};

/** Issues a new CA and the contour and envoy certificates it signs. */
export const generateCertificates = (request: CertificateRequest = {}): GeneratedCertificates => {
  const now = request.now ?? new Date();
  const lifetimeDays = request.lifetimeDays || defaultCertificateLifetimeDays;
  const namespace = request.namespace || defaultNamespace;
  const dnsName = request.clusterDnsName || defaultClusterDnsName;
  const ca = newCa(now, lifetimeDays);
  const contourService = request.contourServiceName || defaultContourServiceName;
  const envoyService = request.envoyServiceName || defaultEnvoyServiceName;
  const contour = newLeaf(
    ca,
    contourService,
    serviceDnsNames(contourService, namespace, dnsName),
    now,
    lifetimeDays,
  );
  const envoy = newLeaf(
    ca,
    envoyService,
    serviceDnsNames(envoyService, namespace, dnsName),
    now,
    lifetimeDays,
  );
  return {
    caCertificate: forge.pki.certificateToPem(ca.certificate),
    caPrivateKey: ca.keys.privateKeyPem,
    contourCertificate: contour.certificate,
    contourPrivateKey: contour.privateKey,
    envoyCertificate: envoy.certificate,
    envoyPrivateKey: envoy.privateKey,
  };
};
