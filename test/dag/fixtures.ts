// Test certificates (self-signed, EC P-256, valid for 100 years) and helpers to build from YAML.
import { parseManifest } from '../../src/sources/files/parse.js';
import { createStore, type Store } from '../../src/store/store.js';
import { buildDag, defaultBuildOptions, type BuildOptions, type BuildResult } from '../../src/dag/build.js';

export const certA = `-----BEGIN CERTIFICATE-----
MIIBnzCCAUegAwIBAgIUMYtBKl+NSDA0TPmWPvMxbWvLN6QwCgYIKoZIzj0EAwIw
GDEWMBQGA1UEAwwNYS5leGFtcGxlLmNvbTAgFw0yNjExMjYwMzQxNTlaGA8yMTI2
MTEwMjAzNDE1OVowGDEWMBQGA1UEAwwNYS5leGFtcGxlLmNvbTBZMBMGByqGSM49
AgEGCCqGSM49AwEHA0IABMjRBpC8xv6zLE8w1P5/TfKcNdiLeWejKm0YGianYKha
CaVqk0nZJtTmNd+hW+1efHjP1WJGLlAAWbidfKs5QL2jbTBrMB0GA1UdDgQWBBTY
UY3n7LRtT7/KEfaKB2vCle4bpzAfBgNVHSMEGDAWgBTYUY3n7LRtT7/KEfaKB2vC
le4bpzAPBgNVHRMBAf8EBTADAQH/MBgGA1UdEQQRMA+CDWEuZXhhbXBsZS5jb20w
CgYIKoZIzj0EAwIDRgAwQwIgWmPaAEdsX7eSnEFhF6rY2fyWK6umNH2LszfmA6+o
mR8CHybJBpE5NAj4uOIg573RYjQiF1xLJLbSFFjpAkjwWEY=
-----END CERTIFICATE-----
`;
export const keyA = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgDDAwvbNu0ryx4trO
HP8cGeHuYg8flVKIutYzIccTfdehRANCAATI0QaQvMb+syxPMNT+f03ynDXYi3ln
oyptGBomp2CoWgmlapNJ2SbU5jXfoVvtXnx4z9ViRi5QAFm4nXyrOUC9
-----END PRIVATE KEY-----
`;
export const certB = `-----BEGIN CERTIFICATE-----
MIIBoDCCAUegAwIBAgIUcK8WymhWzv3EZOL/Xcpom2SmWjkwCgYIKoZIzj0EAwIw
GDEWMBQGA1UEAwwNYi5leGFtcGxlLmNvbTAgFw0yNjExMjYwMzQxNTlaGA8yMTI2
MTEwMjAzNDE1OVowGDEWMBQGA1UEAwwNYi5leGFtcGxlLmNvbTBZMBMGByqGSM49
AgEGCCqGSM49AwEHA0IABI4D2RlLVXjcLQEgEllT2YgZ9f30nHChWivbjLYhUcy2
B6DMkEEYVhL9httdHBIvnMmJd2OHZTUvBSGRjyNKbaGjbTBrMB0GA1UdDgQWBBRb
NhTUFMEA6StokwkIc5z+/KylXDAfBgNVHSMEGDAWgBRbNhTUFMEA6StokwkIc5z+
/KylXDAPBgNVHRMBAf8EBTADAQH/MBgGA1UdEQQRMA+CDWIuZXhhbXBsZS5jb20w
CgYIKoZIzj0EAwIDRwAwRAIgUL20RzLYRLEC6WxNsNX0tTbafUFLZtjSlSv6do0S
A8sCICjrZndpRX49ltYFI6m/RQK9Sax1DzTOl+hc7TMFuexl
-----END CERTIFICATE-----
`;
export const keyB = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgYOv0NVU659/YjMPC
XJV+PxHvLgmsCXxLCF9FD88o8uyhRANCAASOA9kZS1V43C0BIBJZU9mIGfX99Jxw
oVor24y2IVHMtgegzJBBGFYS/YbbXRwSL5zJiXdjh2U1LwUhkY8jSm2h
-----END PRIVATE KEY-----
`;
export const caCert = `-----BEGIN CERTIFICATE-----
MIIBezCCASGgAwIBAgIUFenMKQwwwTDnHuc6IHQfLXRV6lYwCgYIKoZIzj0EAwIw
EjEQMA4GA1UEAwwHVGVzdCBDQTAgFw0yNjExMjYwMzQxNTlaGA8yMTI2MTEwMjAz
NDE1OVowEjEQMA4GA1UEAwwHVGVzdCBDQTBZMBMGByqGSM49AgEGCCqGSM49AwEH
A0IABH0S9CYP6GaAmwDTCN4tHOjp8NDQsDK7pigQCTWj9yMPzSaM4QfFGtw8hvph
qqS3TucVcquy+9sHn0KRJoyYG8ejUzBRMB0GA1UdDgQWBBRdz2ZD21rHV1Qxb9iZ
21e9hfhxkDAfBgNVHSMEGDAWgBRdz2ZD21rHV1Qxb9iZ21e9hfhxkDAPBgNVHRMB
Af8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIQCE93kGtQeuc6OC79LS0Z88LG0c
/rP20W14s+0OiRuBiAIgIv6A4MbtPPktCWki0ZHS9mnk9wDRoqkD1FgdCbqzqNs=
-----END CERTIFICATE-----
`;

/** Base64 of a string, as Secret data holds it. */
export const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** Loads YAML manifests into a fresh store. */
export const storeFromYaml = (yaml: string): Store => {
  const { objects, errors } = parseManifest('test.yaml', yaml);
  if (errors.length > 0)
    throw new Error(`bad test manifest: ${errors.map((error) => error.message).join('; ')}`);
  const store = createStore();
  for (const object of objects) store.apply({ type: 'upsert', object });
  return store;
};

/** Builds the DAG from YAML manifests. */
export const buildFromYaml = (yaml: string, options: Partial<BuildOptions> = {}): BuildResult =>
  buildDag(storeFromYaml(yaml), { ...defaultBuildOptions, ...options });

/** A TLS Secret manifest. */
export const tlsSecretYaml = (namespace: string, name: string, cert = certA, key = keyA): string => `
apiVersion: v1
kind: Secret
type: kubernetes.io/tls
metadata: { namespace: ${namespace}, name: ${name} }
data:
  tls.crt: ${b64(cert)}
  tls.key: ${b64(key)}
`;

/** A Service manifest with the given ports (`name:port` or `port`). */
export const serviceYaml = (namespace: string, name: string, ...ports: string[]): string => `
apiVersion: v1
kind: Service
metadata: { namespace: ${namespace}, name: ${name} }
spec:
  ports:
${ports
  .map((port) => {
    const [portName, number] = port.includes(':') ? port.split(':') : [undefined, port];
    return portName ? `  - { name: ${portName}, port: ${number} }` : `  - { port: ${number} }`;
  })
  .join('\n')}
`;

/**
 * A root HTTPProxy default/root for a.example.com with the given spec lines (indented by two), after
 * `objects` (by default the Service default/web with port 80).
 */
export const rootProxyYaml = (
  specLines: string,
  objects = serviceYaml('default', 'web', '80'),
): string => `${objects}
---
apiVersion: projectcontour.io/v1
kind: HTTPProxy
metadata: {namespace: default, name: root}
spec:
  virtualhost: {fqdn: a.example.com}
${specLines}`;
