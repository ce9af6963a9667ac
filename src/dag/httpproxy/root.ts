// A root HTTPProxy (one with spec.virtualhost) → virtual hosts on the HTTP and HTTPS listeners,
// TLS termination or passthrough, and TCP proxying. Vhost-wide errors drop the whole virtual host.
import { clientCertificateOf, clusterClientCertificate } from '../client-certificate.js';
import { makeCluster } from '../clusters.js';
import { resolveServiceOrReport } from '../services.js';
import { splitSecretName } from '../secrets.js';
import { ErrorType, type StatusSink } from '../status.js';
import type { TlsSecret, TlsVersion, WeightedCluster } from '../types.js';
import { computeRoutes, type IncludeWalk } from './includes.js';
import { proxyKey, type ValidProxy } from './proxies.js';
import { loadBalancerPolicyOf, normalizeWeights } from './route.js';
import { limitsOf } from '../limits.js';

const tlsVersionOf = (value: string | undefined, fallback: TlsVersion): TlsVersion =>
  value === '1.2' || value === '1.3' ? value : fallback;

const tlsVersionRank: Record<TlsVersion, number> = { '1.2': 0, '1.3': 1 };

/**
 * Fields Contour supports that this build does not yet turn into Envoy config. Ignoring an access
 * control (authorization, JWT, IP filters) would open the virtual host, so those reject it (fail
 * closed); the others are ignored with a warning.
 */
const unsupportedAccessControls = [
  { field: 'authorization', type: 'AuthError' },
  { field: 'jwtProviders', type: 'JWTVerificationError' },
  { field: 'ipAllowPolicy', type: 'IPFilterError' },
  { field: 'ipDenyPolicy', type: 'IPFilterError' },
] as const;
const unsupportedVirtualHostFields = ['corsPolicy', 'rateLimitPolicy'] as const;

/** Processes one root proxy; `walk.reached` collects the proxies its includes reach. */
export const processRoot = (walk: Omit<IncludeWalk, 'enforceTls'>, sink: StatusSink): void => {
  const { context, root } = walk;
  const virtualhost = root.spec.virtualhost;
  if (!virtualhost) return;
  const fqdn = virtualhost.fqdn.trim();
  if (fqdn === '') {
    sink.error(ErrorType.VirtualHost, 'FQDNNotSpecified', 'Spec.VirtualHost.Fqdn must be specified');
    return;
  }
  const { rootNamespaces } = context.options;
  if (rootNamespaces.length > 0 && !rootNamespaces.includes(root.namespace)) {
    sink.error(
      ErrorType.RootNamespace,
      'RootProxyNotAllowedInNamespace',
      'root HTTPProxy cannot be defined in this namespace',
    );
    return;
  }
  const { routes: specRoutes, includes, tcpproxy } = root.spec;
  if ((specRoutes ?? []).length === 0 && (includes ?? []).length === 0 && !tcpproxy) {
    sink.error(
      ErrorType.Spec,
      'NothingDefined',
      'HTTPProxy.Spec must have at least one Route, Include, or a TCPProxy',
    );
    return;
  }
  if ((virtualhost.ipAllowPolicy ?? []).length > 0 && (virtualhost.ipDenyPolicy ?? []).length > 0) {
    sink.error(
      'IPFilterError',
      'IncompatibleIPAddressFilters',
      'Spec.VirtualHost.IPAllowFilterPolicy and Spec.VirtualHost.IPDepnyFilterPolicy cannot both be defined.',
    );
    return;
  }
  let rejected = false;
  for (const { field, type } of unsupportedAccessControls) {
    const value = virtualhost[field];
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    sink.error(type, 'FeatureNotSupported', `Spec.VirtualHost.${field} is not supported by contour-ts`);
    rejected = true;
  }
  if (rejected) return;
  for (const field of unsupportedVirtualHostFields) {
    if (virtualhost[field] !== undefined) {
      sink.warning(
        ErrorType.VirtualHost,
        'FieldNotSupported',
        `Spec.VirtualHost.${field} is not supported by contour-ts and is ignored`,
      );
    }
  }

  let tlsEnabled = false;
  const tls = virtualhost.tls;
  if (tls) {
    const secretName = tls.secretName?.trim() ?? '';
    if (tls.passthrough && tls.enableFallbackCertificate) {
      sink.error(
        ErrorType.Tls,
        'TLSIncompatibleFeatures',
        'Spec.VirtualHost.TLS: both Passthrough and enableFallbackCertificate were specified',
      );
    }
    if (secretName && tls.passthrough) {
      sink.error(
        ErrorType.Tls,
        'TLSConfigNotValid',
        'Spec.VirtualHost.TLS: both Passthrough and SecretName were specified',
      );
      return;
    }
    if (!secretName && !tls.passthrough) {
      sink.error(
        ErrorType.Tls,
        'TLSConfigNotValid',
        'Spec.VirtualHost.TLS: neither Passthrough nor SecretName were specified',
      );
      return;
    }
    if (tls.passthrough && tls.clientValidation) {
      sink.error(
        ErrorType.Tls,
        'TLSIncompatibleFeatures',
        'Spec.VirtualHost.TLS passthrough cannot be combined with tls.clientValidation',
      );
      return;
    }
    tlsEnabled = true;
    if (!tls.passthrough) {
      const reference = splitSecretName(secretName, root.namespace);
      const found = context.secrets.tls(reference.namespace, reference.name, root.namespace);
      if (!found.ok) {
        if (found.reason === 'NotPermitted') {
          sink.error(
            ErrorType.Tls,
            'DelegationNotPermitted',
            `Spec.VirtualHost.TLS Secret "${secretName}" certificate delegation not permitted`,
          );
        } else {
          sink.error(
            ErrorType.Tls,
            'SecretNotValid',
            `Spec.VirtualHost.TLS Secret "${secretName}" is invalid: ${found.message}`,
          );
        }
        return;
      }
      const minTlsVersion = tlsVersionOf(tls.minimumProtocolVersion, '1.2');
      const maxTlsVersion = tlsVersionOf(tls.maximumProtocolVersion, '1.3');
      if (tlsVersionRank[maxTlsVersion] < tlsVersionRank[minTlsVersion]) {
        sink.error(
          ErrorType.Tls,
          'TLSConfigNotValid',
          'Spec.Virtualhost.TLS the minimum protocol version is greater than the maximum protocol version',
        );
        return;
      }
      const fallback = tls.enableFallbackCertificate ? fallbackSecretOf(walk, sink) : undefined;
      if (fallback === false) return;
      if (tls.clientValidation) {
        // Ignoring client validation would silently accept clients the user meant to reject.
        sink.error(
          ErrorType.Tls,
          'ClientValidationNotSupported',
          'Spec.VirtualHost.TLS.ClientValidation is not supported by contour-ts',
        );
        return;
      }
      context.dag.addSecret(found.secret);
      const secure = context.dag.httpsVirtualHost(fqdn, root.ref);
      secure.secret = found.secret.name;
      secure.minTlsVersion = minTlsVersion;
      secure.maxTlsVersion = maxTlsVersion;
      if (fallback) {
        context.dag.addSecret(fallback);
        secure.fallbackSecret = fallback.name;
      }
    }
  }

  if (tcpproxy) {
    if (!tlsEnabled) {
      sink.error(
        ErrorType.TcpProxy,
        'TLSMustBeConfigured',
        'Spec.TCPProxy requires that either Spec.TLS.Passthrough or Spec.TLS.SecretName be set',
      );
      return;
    }
    if (!processTcpProxy(walk, sink, root, fqdn, tls?.passthrough ?? false)) return;
  }

  const routes = computeRoutes({ ...walk, enforceTls: tlsEnabled }, sink, root);
  if (!routes) return;
  const insecure = context.dag.httpVirtualHost(fqdn, root.ref);
  for (const route of routes) context.dag.addRoute(insecure, route);
  if (tlsEnabled && !tcpproxy) {
    const secure = context.dag.httpsVirtualHost(fqdn, root.ref);
    for (const route of routes) context.dag.addRoute(secure, route);
  }
};

/**
 * Contour's fallback certificate for a root that enables it, checked in Contour's order: incompatible with
 * client validation, then configured, then readable from the root's namespace (a TLSCertificateDelegation
 * when it lives elsewhere) and valid. False (the error recorded) when the virtual host cannot be served.
 */
const fallbackSecretOf = (walk: Omit<IncludeWalk, 'enforceTls'>, sink: StatusSink): TlsSecret | false => {
  const { context, root } = walk;
  if (root.spec.virtualhost?.tls?.clientValidation) {
    sink.error(
      ErrorType.Tls,
      'TLSIncompatibleFeatures',
      'Spec.Virtualhost.TLS fallback & client validation are incompatible',
    );
    return false;
  }
  const configured = context.options.fallbackCertificate;
  if (!configured) {
    sink.error(
      ErrorType.Tls,
      'FallbackNotPresent',
      'Spec.Virtualhost.TLS enabled fallback but the fallback Certificate Secret is not configured in Contour configuration file',
    );
    return false;
  }
  const reference = `${configured.namespace}/${configured.name}`;
  const found = context.secrets.tls(configured.namespace, configured.name, root.namespace);
  if (found.ok) return found.secret;
  if (found.reason === 'NotPermitted') {
    sink.error(
      ErrorType.Tls,
      'FallbackNotDelegated',
      `Spec.VirtualHost.TLS Secret "${reference}" is not configured for certificate delegation`,
    );
  } else {
    sink.error(
      ErrorType.Tls,
      'FallbackNotValid',
      `Spec.Virtualhost.TLS Secret "${reference}" fallback certificate is invalid: ${found.message}`,
    );
  }
  return false;
};

/**
 * Resolves `spec.tcpproxy` (services, or an include of a non-root proxy, followed along the chain
 * iteratively and at most --max-include-depth deep); false on error.
 */
const processTcpProxy = (
  walk: Omit<IncludeWalk, 'enforceTls'>,
  rootSink: StatusSink,
  root: ValidProxy,
  fqdn: string,
  passthrough: boolean,
): boolean => {
  const { context } = walk;
  const { maxIncludeDepth } = limitsOf(context.options);
  const chain: ValidProxy[] = [];
  let proxy = root;
  let sink = rootSink;
  for (;;) {
    const tcpproxy = proxy.spec.tcpproxy;
    if (!tcpproxy) return true;
    chain.push(proxy);
    const include = tcpproxy.include ?? tcpproxy.includes;
    const services = tcpproxy.services ?? [];
    if (services.length > 0 && include) {
      sink.error(
        ErrorType.TcpProxy,
        'NoServicesAndInclude',
        'cannot specify services and include in the same httpproxy',
      );
      return false;
    }
    const loadBalancerPolicy = tcpLoadBalancerPolicy(sink, tcpproxy.loadBalancerPolicy?.strategy);
    if (services.length > 0) {
      return resolveTcpServices(walk, sink, proxy, { fqdn, passthrough, loadBalancerPolicy });
    }
    if (!include) {
      sink.error(ErrorType.TcpProxy, 'NothingDefined', 'either services or inclusion must be specified');
      return false;
    }
    const namespace = include.namespace || proxy.namespace;
    const key = proxyKey(namespace, include.name);
    const destination = walk.proxies.byName.get(key);
    if (!destination) {
      sink.error(
        ErrorType.TcpProxyInclude,
        'IncludeNotFound',
        `include ${namespace}/${include.name} not found`,
      );
      return false;
    }
    if (destination.spec.virtualhost) {
      sink.error(
        ErrorType.TcpProxyInclude,
        'RootIncludesRoot',
        `root httpproxy cannot include another root httpproxy (${destination.namespace}/${destination.name})`,
      );
      return false;
    }
    walk.reached.add(key);
    if (chain.some((seen) => seen.namespace === destination.namespace && seen.name === destination.name)) {
      const path = [...chain, destination].map((seen) => `${seen.namespace}/${seen.name}`).join(' -> ');
      sink.error(ErrorType.TcpProxyInclude, 'IncludeCreatesCycle', `include creates a cycle: ${path}`);
      return false;
    }
    if (chain.length > maxIncludeDepth) {
      rootSink.error(
        ErrorType.TcpProxyInclude,
        'IncludeLimitExceeded',
        `the tcpproxy include chain of ${root.namespace}/${root.name} is deeper than ${maxIncludeDepth} (the --max-include-depth limit); its virtual host is not served`,
      );
      return false;
    }
    proxy = destination;
    sink = context.status.for(destination.ref, destination.generation);
  }
};

/** Resolves a TCP proxy's services to weighted clusters on the HTTPS virtual host; false on error. */
const resolveTcpServices = (
  walk: Omit<IncludeWalk, 'enforceTls'>,
  sink: StatusSink,
  proxy: ValidProxy,
  target: { fqdn: string; passthrough: boolean; loadBalancerPolicy: WeightedClusterPolicy },
): boolean => {
  const { context } = walk;
  const { fqdn, passthrough, loadBalancerPolicy } = target;
  const tcpproxy = proxy.spec.tcpproxy!;
  const clusters: WeightedCluster[] = [];
  for (const service of tcpproxy.services ?? []) {
    const resolved = resolveServiceOrReport(
      context,
      sink,
      ErrorType.TcpProxy,
      { namespace: proxy.namespace, name: service.name, port: service.port },
      (message) => `Spec.TCPProxy unresolved service reference: ${message}`,
    );
    if (!resolved) return false;
    const protocol = service.protocol ?? resolved.protocol;
    const clientCertificate = clientCertificateOf(context);
    if (!clientCertificate.ok) {
      sink.error(ErrorType.Tls, 'SecretNotValid', clientCertificate.message);
      return false;
    }
    // As Contour: a TCP proxy's clusters get the client certificate and the Service's own circuit
    // breakers, not the HTTP-only defaults.
    const cluster = makeCluster(
      resolved,
      {
        protocol,
        sni: resolved.externalName || undefined,
        loadBalancerPolicy,
        circuitBreakers: resolved.circuitBreakers,
        clientCertificate: clusterClientCertificate(protocol, clientCertificate.secret),
      },
      context.memo.clusterHashes,
    );
    context.dag.addCluster(cluster);
    clusters.push({ cluster: cluster.name, weight: service.weight ?? 0 });
  }
  const secure = context.dag.httpsVirtualHost(fqdn, walk.root.ref);
  secure.tcpProxy = { passthrough, clusters: normalizeWeights(clusters) };
  return true;
};

/** A TCP proxy's load balancer policy; request-level policies cannot apply and are ignored with a warning. */
const tcpLoadBalancerPolicy = (sink: StatusSink, strategy: string | undefined): WeightedClusterPolicy => {
  const policy = loadBalancerPolicyOf(strategy);
  if (policy !== 'Cookie' && policy !== 'RequestHash') return policy;
  sink.warning(
    ErrorType.TcpProxy,
    'IgnoredField',
    `ignoring field "Spec.TCPProxy.LoadBalancerPolicy"; ${policy} load balancer policy is not supported for TCPProxies`,
  );
  return undefined;
};

type WeightedClusterPolicy = ReturnType<typeof loadBalancerPolicyOf>;
