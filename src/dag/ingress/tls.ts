// Secure virtual hosts from Ingress `spec.tls`: each entry's Secret (same namespace, `namespace/name`, or
// the namespace of `projectcontour.io/tls-cert-namespace`, subject to TLSCertificateDelegation) serves the
// entry's hosts. Done before any route is added so every Ingress sees the same set of TLS hosts.
import type { Ingress } from '../../apis/kubernetes.js';
import { refOf } from '../../apis/meta.js';
import type { BuildContext } from '../context.js';
import { ErrorType } from '../status.js';
import { annotationOf, IngressAnnotation, tlsVersionOf } from './annotations.js';
import { ingressHostError } from './paths.js';
import { ingressTlsEntries } from './spec.js';

/** The namespace and name of an Ingress TLS secret reference, as Contour resolves it. */
export const ingressSecretRef = (
  ingress: Ingress,
  secretName: string,
): { namespace: string; name: string } => {
  const ingressNamespace = ingress.metadata.namespace ?? '';
  const slash = secretName.indexOf('/');
  const written = slash < 0 ? '' : secretName.slice(0, slash);
  const name = slash < 0 ? secretName : secretName.slice(slash + 1);
  // An unqualified name takes the annotation's namespace, then the Ingress's own.
  const namespace = written || annotationOf(ingress, IngressAnnotation.tlsCertNamespace) || ingressNamespace;
  return { namespace, name };
};

const versionWarning = (context: BuildContext, ingress: Ingress, key: string): void => {
  const value = annotationOf(ingress, key);
  if (value !== '' && value !== '1.2' && value !== '1.3') {
    context.status
      .for(refOf(ingress), ingress.metadata.generation)
      .warning(
        ErrorType.Tls,
        'TLSVersionNotValid',
        `annotation ${key}: unsupported TLS protocol version "${value}" (expected "1.2" or "1.3"), using the default`,
      );
  }
};

/**
 * Creates the secure virtual hosts of every Ingress's `spec.tls`; returns the hosts that got one.
 * Ingresses are taken in order and a later one's settings for a host replace an earlier one's.
 */
export const addIngressSecureVirtualHosts = (context: BuildContext, ingresses: Ingress[]): Set<string> => {
  const tlsHosts = new Set<string>();
  for (const ingress of ingresses) {
    const ref = refOf(ingress);
    const entries = ingressTlsEntries(ingress);
    if (entries.length === 0) continue;
    const sink = context.status.for(ref, ingress.metadata.generation);
    versionWarning(context, ingress, IngressAnnotation.tlsMinimumProtocolVersion);
    versionWarning(context, ingress, IngressAnnotation.tlsMaximumProtocolVersion);
    const minTlsVersion = tlsVersionOf(
      annotationOf(ingress, IngressAnnotation.tlsMinimumProtocolVersion),
      '1.2',
    );
    const maxTlsVersion = tlsVersionOf(
      annotationOf(ingress, IngressAnnotation.tlsMaximumProtocolVersion),
      '1.3',
    );
    if (maxTlsVersion < minTlsVersion) {
      sink.error(
        ErrorType.Tls,
        'TLSVersionNotValid',
        `the minimum TLS protocol version (${minTlsVersion}) is greater than the maximum (${maxTlsVersion}): TLS is not served for this Ingress`,
      );
      continue;
    }
    for (const entry of entries) {
      if (entry.secretName === '') {
        sink.error(ErrorType.Tls, 'SecretNotValid', `${entry.field}: TLS entry has no secretName`);
        continue;
      }
      const secretRef = ingressSecretRef(ingress, entry.secretName);
      const lookup = context.secrets.tls(secretRef.namespace, secretRef.name, ref.namespace);
      if (!lookup.ok) {
        if (lookup.reason === 'NotPermitted') {
          sink.error(
            ErrorType.Tls,
            'DelegationNotPermitted',
            `${entry.field}: certificate delegation not permitted: Secret "${secretRef.namespace}/${secretRef.name}" is not delegated to namespace "${ref.namespace}"`,
          );
        } else {
          sink.error(
            ErrorType.Tls,
            'SecretNotValid',
            `${entry.field}: unresolved secret reference "${secretRef.namespace}/${secretRef.name}": ${lookup.message}`,
          );
        }
        continue;
      }
      entry.hosts.forEach((host, index) => {
        const hostError = host === '*' ? 'host "*" cannot have a TLS certificate' : ingressHostError(host);
        if (hostError) {
          sink.error(ErrorType.Tls, 'HostNotValid', `${entry.field}.hosts[${index}]: ${hostError}`);
          return;
        }
        const virtualHost = context.dag.httpsVirtualHost(host, ref);
        virtualHost.secret = lookup.secret.name;
        virtualHost.minTlsVersion = minTlsVersion;
        virtualHost.maxTlsVersion = maxTlsVersion;
        context.dag.addSecret(lookup.secret);
        tlsHosts.add(host);
      });
    }
  }
  return tlsHosts;
};
