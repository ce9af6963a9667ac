// One HTTPProxy route → one DAG route, with Contour's validation and status reasons. An error here
// drops this route only (Contour drops every route of the proxy; see docs/compat.md).
import type { HttpProxyRoute, HttpProxyService, MatchCondition } from '../../apis/httpproxy.js';
import { clientCertificateOf, clusterClientCertificate } from '../client-certificate.js';
import { httpClusterDefaults } from '../cluster-defaults.js';
import { makeCluster } from '../clusters.js';
import {
  headerConditionsError,
  mergeHeaderConditions,
  mergePathConditions,
  mergeQueryConditions,
  pathConditionsError,
  queryConditionsError,
} from '../conditions.js';
import type { BuildContext } from '../context.js';
import { withGlobalHeaders } from '../global-headers.js';
import { buildHeadersPolicy, buildRetryPolicy, buildTimeoutPolicy } from '../policies.js';
import { quoteRegex } from '../regex.js';
import { resolveServiceOrReport } from '../services.js';
import { splitSecretName } from '../secrets.js';
import { compareHeaderMatches } from '../sorter.js';
import { ErrorType, type StatusSink } from '../status.js';
import type {
  Cluster,
  HeadersPolicy,
  Route,
  RouteAction,
  UpstreamProtocol,
  WeightedCluster,
} from '../types.js';
import type { ValidProxy } from './proxies.js';
import { limitsOf } from '../limits.js';

/** Route fields Contour supports that this build ignores (with a warning). */
const unsupportedRouteFields = [
  'authPolicy',
  'cookieRewritePolicies',
  'healthCheckPolicy',
  'internalRedirectPolicy',
  'jwtVerificationPolicy',
  'rateLimitPolicy',
] as const;
const unsupportedServiceFields = ['cookieRewritePolicies', 'slowStartPolicy'] as const;

/** A FieldNotSupported warning for each of `fields` that `object` sets. */
const warnIgnored = <T extends object>(
  sink: StatusSink,
  type: string,
  label: string,
  object: T,
  fields: readonly (keyof T & string)[],
): void => {
  for (const field of fields) {
    if (object[field] !== undefined) {
      sink.warning(
        type,
        'FieldNotSupported',
        `${label}.${field} is not supported by contour-ts and is ignored`,
      );
    }
  }
};

/** Where a route is being built: its owner, the root, inherited conditions. */
export interface RouteScope {
  context: BuildContext;
  sink: StatusSink;
  root: ValidProxy;
  proxy: ValidProxy;
  conditions: MatchCondition[];
  enforceTls: boolean;
}

const loadBalancerStrategies = new Set(['WeightedLeastRequest', 'Random', 'Cookie', 'RequestHash']);

/** Contour's load balancer strategy names; anything else (including RoundRobin) is Envoy's default. */
export const loadBalancerPolicyOf = (strategy: string | undefined): Cluster['loadBalancerPolicy'] =>
  strategy && loadBalancerStrategies.has(strategy) ? (strategy as Cluster['loadBalancerPolicy']) : undefined;

/** The regex Contour adds on `:authority` for `*.example.com`: exactly one DNS label, any port. */
export const wildcardAuthorityRegex = (fqdn: string): string =>
  `^[a-z0-9]([-a-z0-9]*[a-z0-9])?${quoteRegex(fqdn.slice(1))}(:[0-9]+)?`;

/** Splits weights: all zero or omitted means an equal split. */
export const normalizeWeights = (clusters: WeightedCluster[]): WeightedCluster[] =>
  clusters.every((entry) => entry.weight === 0)
    ? clusters.map((entry) => ({ ...entry, weight: 1 }))
    : clusters;

interface ServiceTarget {
  weighted: WeightedCluster;
  cluster: Cluster;
}

/** Resolves one route service to a cluster; undefined (status recorded) when it cannot be used. */
const buildServiceTarget = (
  scope: RouteScope,
  service: HttpProxyService,
  routeRequestHeaders: HeadersPolicy | undefined,
  loadBalancerPolicy: Cluster['loadBalancerPolicy'],
): { target?: ServiceTarget; fatal?: boolean } => {
  const { context, sink, proxy } = scope;
  const resolved = resolveServiceOrReport(
    context,
    sink,
    ErrorType.Service,
    { namespace: proxy.namespace, name: service.name, port: service.port },
    (message) => `Spec.Routes unresolved service reference: ${message}`,
  );
  if (!resolved) return {};
  const protocol: UpstreamProtocol | undefined = service.protocol ?? resolved.protocol;
  let upstreamValidation: Cluster['upstreamValidation'];
  if ((protocol === 'tls' || protocol === 'h2') && service.validation) {
    const ca = splitSecretName(service.validation.caSecret, proxy.namespace);
    const found = context.secrets.ca(ca.namespace, ca.name, proxy.namespace);
    if (!found.ok) {
      if (found.reason === 'NotPermitted') {
        sink.error(
          ErrorType.Tls,
          'CACertificateNotDelegated',
          `service.UpstreamValidation.CACertificate Secret "${ca.namespace}/${ca.name}" is not configured for certificate delegation`,
        );
      } else {
        sink.error(
          ErrorType.Service,
          'TLSUpstreamValidation',
          `Service [${service.name}:${service.port}] TLS upstream validation policy error: invalid CA Secret "${ca.namespace}/${ca.name}": ${found.message}`,
        );
      }
      return { fatal: true };
    }
    context.dag.addSecret(found.secret);
    upstreamValidation = { caSecret: found.secret.name, subjectName: service.validation.subjectName };
  }
  const dynamic = {
    CONTOUR_NAMESPACE: proxy.namespace,
    CONTOUR_SERVICE_NAME: service.name,
    CONTOUR_SERVICE_PORT: String(service.port),
  };
  // Contour's global header policy goes under the service's own (the service wins a header both set).
  const global = context.options.globalHeadersPolicy;
  const own = buildHeadersPolicy(service.requestHeadersPolicy, true, dynamic);
  const request = own.error ? own : withGlobalHeaders(own.policy, global?.request, true, dynamic);
  if (request.error) {
    sink.error(ErrorType.Service, 'RequestHeadersPolicyInvalid', `${request.error} on request headers`);
    return { fatal: true };
  }
  const ownResponse = buildHeadersPolicy(service.responseHeadersPolicy, false, dynamic);
  const response = ownResponse.error
    ? ownResponse
    : withGlobalHeaders(ownResponse.policy, global?.response, false, dynamic);
  if (response.error) {
    sink.error(ErrorType.Service, 'ResponseHeadersPolicyInvalid', `${response.error} on response headers`);
    return { fatal: true };
  }
  // As Contour: looked up for every service, whatever its protocol.
  const clientCertificate = clientCertificateOf(context);
  if (!clientCertificate.ok) {
    sink.error(ErrorType.Tls, 'SecretNotValid', clientCertificate.message);
    return { fatal: true };
  }
  // SNI follows a Host rewrite (service first, then route), else the ExternalName.
  const sni = request.policy?.hostRewrite ?? routeRequestHeaders?.hostRewrite ?? resolved.externalName;
  const cluster = makeCluster(
    resolved,
    {
      protocol,
      sni: sni || undefined,
      upstreamValidation,
      loadBalancerPolicy,
      ...httpClusterDefaults(
        context.options.clusterDefaults,
        resolved.circuitBreakers,
        clusterClientCertificate(protocol, clientCertificate.secret),
      ),
    },
    context.memo.clusterHashes,
  );
  return {
    target: {
      cluster,
      weighted: {
        cluster: cluster.name,
        weight: service.weight ?? 0,
        ...(request.policy ? { requestHeaders: request.policy } : {}),
        ...(response.policy ? { responseHeaders: response.policy } : {}),
      },
    },
  };
};

/** Picks the prefix rewrite for a route's path prefix from `replacePrefix` entries (exact prefix first). */
const prefixRewriteOf = (
  sink: StatusSink,
  route: HttpProxyRoute,
  pathPrefix: string | undefined,
): { rewrite?: string; ok: boolean } => {
  const replacements = route.pathRewritePolicy?.replacePrefix ?? [];
  if (replacements.length === 0) return { ok: true };
  if (pathPrefix === undefined) {
    sink.error(
      ErrorType.PrefixReplace,
      'MustHavePrefix',
      'cannot specify prefix replacements without a prefix condition',
    );
    return { ok: false };
  }
  const seen = new Set<string>();
  for (const replacement of replacements) {
    const prefix = replacement.prefix ?? '';
    if (seen.has(prefix)) {
      if (prefix)
        sink.error(
          ErrorType.PrefixReplace,
          'DuplicateReplacement',
          `duplicate replacement prefix '${prefix}'`,
        );
      else sink.error(ErrorType.PrefixReplace, 'AmbiguousReplacement', 'ambiguous prefix replacement');
      return { ok: false };
    }
    seen.add(prefix);
  }
  const exact = replacements.find((replacement) => replacement.prefix && replacement.prefix === pathPrefix);
  const fallback = replacements.find((replacement) => !replacement.prefix);
  return { ok: true, rewrite: (exact ?? fallback)?.replacement };
};

/** Builds one route; undefined (with errors recorded on the owning proxy) when the route is invalid. */
export const buildRoute = (scope: RouteScope, route: HttpProxyRoute): Route | undefined => {
  const { sink, root, proxy } = scope;
  const actions = [
    route.services && route.services.length > 0,
    !!route.requestRedirectPolicy,
    !!route.directResponsePolicy,
  ];
  if (actions.filter(Boolean).length !== 1) {
    sink.error(
      ErrorType.Route,
      'RouteActionCountNotValid',
      'must set exactly one of route.services or route.requestRedirectPolicy or route.directResponsePolicy',
    );
    return undefined;
  }
  if ((route.ipAllowPolicy ?? []).length > 0 || (route.ipDenyPolicy ?? []).length > 0) {
    // Ignoring an IP filter would open the route to everyone: reject it instead.
    sink.error(
      'IPFilterError',
      'FeatureNotSupported',
      'route IP filter policies are not supported by contour-ts',
    );
    return undefined;
  }
  warnIgnored(sink, ErrorType.Route, 'route', route, unsupportedRouteFields);
  for (const service of route.services ?? []) {
    warnIgnored(sink, ErrorType.Service, 'service', service, unsupportedServiceFields);
  }
  const ownConditions = route.conditions ?? [];
  const { maxRegexLength } = limitsOf(scope.context.options);
  const pathError = pathConditionsError(ownConditions, maxRegexLength);
  if (pathError) {
    sink.error(ErrorType.Route, 'PathMatchConditionsNotValid', `route: ${pathError}`);
    return undefined;
  }
  const conditions = [...scope.conditions, ...ownConditions];
  const headerError = headerConditionsError(conditions, maxRegexLength);
  if (headerError) {
    sink.error(ErrorType.Route, 'HeaderMatchConditionsNotValid', headerError);
    return undefined;
  }
  const queryError = queryConditionsError(conditions, maxRegexLength);
  if (queryError) {
    sink.error(ErrorType.Route, 'QueryParameterMatchConditionsNotValid', queryError);
    return undefined;
  }
  const dynamic = { CONTOUR_NAMESPACE: proxy.namespace };
  const requestHeaders = buildHeadersPolicy(route.requestHeadersPolicy, true, dynamic);
  if (requestHeaders.error) {
    sink.error(ErrorType.Route, 'RequestHeadersPolicyInvalid', `${requestHeaders.error} on request headers`);
    return undefined;
  }
  const responseHeaders = buildHeadersPolicy(route.responseHeadersPolicy, false, dynamic);
  if (responseHeaders.error) {
    sink.error(
      ErrorType.Route,
      'ResponseHeaderPolicyInvalid',
      `${responseHeaders.error} on response headers`,
    );
    return undefined;
  }
  const timeout = buildTimeoutPolicy(route.timeoutPolicy);
  if (timeout.error) {
    sink.error(
      ErrorType.Route,
      'TimeoutPolicyNotValid',
      `route.timeoutPolicy failed to parse: ${timeout.error}`,
    );
    return undefined;
  }
  const redirect = route.requestRedirectPolicy;
  if (redirect?.path !== undefined && redirect.prefix !== undefined) {
    sink.error(
      ErrorType.Route,
      'RequestRedirectPolicy',
      'route.requestRedirectPolicy is invalid: cannot specify both redirect path and redirect prefix',
    );
    return undefined;
  }

  const path = mergePathConditions(conditions);
  const headers = mergeHeaderConditions(conditions);
  if (root.spec.virtualhost?.fqdn.startsWith('*.')) {
    headers.push({
      name: ':authority',
      kind: 'regex',
      value: wildcardAuthorityRegex(root.spec.virtualhost.fqdn),
      invert: false,
      ignoreCase: false,
      treatMissingAsEmpty: false,
    });
    headers.sort(compareHeaderMatches);
  }
  const rewrite = prefixRewriteOf(sink, route, path.kind === 'prefix' ? path.value : undefined);
  if (!rewrite.ok) return undefined;

  if ((route.services ?? []).filter((service) => service.mirror).length > 1) {
    sink.error(ErrorType.Service, 'OnlyOneMirror', 'only one service per route may be nominated as mirror');
    return undefined;
  }
  const loadBalancerPolicy = loadBalancerPolicyOf(route.loadBalancerPolicy?.strategy);
  const targets: ServiceTarget[] = [];
  const mirrors: ServiceTarget[] = [];
  // Every service is checked (not just up to the first failure) so the errors reported do not depend
  // on the order services are listed in.
  let routeInvalid = false;
  for (const service of route.services ?? []) {
    const { target, fatal } = buildServiceTarget(scope, service, requestHeaders.policy, loadBalancerPolicy);
    if (fatal) routeInvalid = true;
    if (!target) continue;
    if (service.mirror) {
      // A mirror without a weight mirrors every request.
      mirrors.push({
        ...target,
        weighted: { ...target.weighted, weight: service.weight ? service.weight : 100 },
      });
    } else {
      targets.push(target);
    }
  }
  if (routeInvalid) return undefined;
  for (const target of [...targets, ...mirrors]) scope.context.dag.addCluster(target.cluster);

  let action: RouteAction;
  if (redirect) {
    action = {
      kind: 'redirect',
      ...(redirect.scheme ? { scheme: redirect.scheme } : {}),
      ...(redirect.hostname ? { hostname: redirect.hostname } : {}),
      ...(redirect.port !== undefined ? { port: redirect.port } : {}),
      ...(redirect.path !== undefined ? { path: redirect.path } : {}),
      ...(redirect.prefix !== undefined ? { prefix: redirect.prefix } : {}),
      statusCode: redirect.statusCode ?? 302,
    };
  } else if (route.directResponsePolicy) {
    const { statusCode, body } = route.directResponsePolicy;
    action = { kind: 'directResponse', statusCode, ...(body !== undefined ? { body } : {}) };
  } else if (targets.length === 0) {
    // Every service is unresolved: answer 503 rather than route nowhere.
    action = { kind: 'directResponse', statusCode: 503 };
  } else {
    action = { kind: 'cluster', clusters: normalizeWeights(targets.map((target) => target.weighted)) };
  }

  const retry = buildRetryPolicy(route.retryPolicy);
  return {
    match: { path, headers, queryParams: mergeQueryConditions(conditions) },
    action,
    // Contour's disablePermitInsecure makes every route of a TLS host redirect.
    httpsRedirect:
      scope.enforceTls && !(route.permitInsecure === true && !scope.context.options.disablePermitInsecure),
    websocket: route.enableWebsockets ?? false,
    ...(timeout.policy ? { timeout: timeout.policy } : {}),
    ...(retry ? { retry } : {}),
    ...(requestHeaders.policy ? { requestHeaders: requestHeaders.policy } : {}),
    ...(responseHeaders.policy ? { responseHeaders: responseHeaders.policy } : {}),
    ...(rewrite.rewrite !== undefined ? { prefixRewrite: rewrite.rewrite } : {}),
    mirrors: mirrors.map((mirror) => mirror.weighted),
    source: { ...proxy.ref },
  };
};
