// The Ingress processor of the build stage: every Ingress of a served class becomes routes on the
// plaintext and TLS virtual hosts of its rules' hosts (`*` for the default backend and host-less rules).
// Contour's ingress_processor is the reference; the differences are listed in docs/compat.md.
import type { Ingress } from '../../apis/kubernetes.js';
import { refOf, type ObjectRef } from '../../apis/meta.js';
import { clientCertificateOf, clusterClientCertificate } from '../client-certificate.js';
import { httpClusterDefaults } from '../cluster-defaults.js';
import { makeCluster } from '../clusters.js';
import { ingressClassMatches, type BuildContext } from '../context.js';
import { wildcardAuthorityRegex } from '../httpproxy/route.js';
import { resolveServiceOrReport } from '../services.js';
import { ErrorType, type StatusSink } from '../status.js';
import type { HeaderMatch, Route, RouteAction, WeightedCluster } from '../types.js';
import { withGlobalHeaders } from '../global-headers.js';
import {
  httpAllowed,
  IngressAnnotation,
  nonStringAnnotations,
  retryPolicyOf,
  timeoutPolicyOf,
  tlsRequired,
  websocketPaths,
} from './annotations.js';
import { ingressHostError, ingressPathMatch } from './paths.js';
import { ingressClassNameOf, ingressPathEntries, type IngressPathEntry } from './spec.js';
import { addIngressSecureVirtualHosts } from './tls.js';
import { limitsOf } from '../limits.js';

/** Whether this instance serves an Ingress (class annotation first, then `spec.ingressClassName`). */
export const servesIngress = (ingress: Ingress, classNames: string[]): boolean =>
  ingressClassMatches(ingress.metadata.annotations, ingressClassNameOf(ingress), classNames);

/** The Ingresses of the store this instance serves, sorted by namespace and name. */
export const servedIngresses = (context: BuildContext): Ingress[] =>
  context.store
    .list<Ingress>('Ingress')
    .filter((ingress) => servesIngress(ingress, context.options.ingressClassNames));

// A backend that cannot be served answers 503 rather than letting the request fall through to a
// less specific route.
const serviceUnavailable = (): RouteAction => ({ kind: 'directResponse', statusCode: 503 });

const backendAction = (
  context: BuildContext,
  ingress: Ingress,
  entry: IngressPathEntry,
  sink: StatusSink,
  clientCertificate: string | undefined,
): RouteAction | undefined => {
  if (!entry.backend.ok) {
    sink.error(
      ErrorType.Service,
      'BackendNotSupported',
      `${entry.field}: ${entry.backend.message}; the path answers 503`,
    );
    return serviceUnavailable();
  }
  const { name, port } = entry.backend.service;
  const namespace = ingress.metadata.namespace ?? '';
  const resolved = resolveServiceOrReport(
    context,
    sink,
    ErrorType.Service,
    { namespace, name, port },
    (message) => `${entry.field}: unresolved service reference: ${message}; the path answers 503`,
  );
  if (!resolved) return serviceUnavailable();
  // Ingress clusters carry the Service's own upstream protocol (no SNI, validation or LB policy) and
  // Contour's Envoy-wide cluster settings.
  const cluster = makeCluster(
    resolved,
    {
      protocol: resolved.protocol,
      ...httpClusterDefaults(
        context.options.clusterDefaults,
        resolved.circuitBreakers,
        clusterClientCertificate(resolved.protocol, clientCertificate),
      ),
    },
    context.memo.clusterHashes,
  );
  // Contour's global header policy, when it applies to Ingress (a named port is 0 in CONTOUR_SERVICE_PORT).
  const global = context.options.globalHeadersPolicy;
  const headers: Pick<WeightedCluster, 'requestHeaders' | 'responseHeaders'> = {};
  if (global?.applyToIngress) {
    const dynamic = {
      CONTOUR_NAMESPACE: namespace,
      CONTOUR_SERVICE_NAME: name,
      CONTOUR_SERVICE_PORT: String(typeof port === 'number' ? port : 0),
    };
    const request = withGlobalHeaders(undefined, global.request, true, dynamic);
    const response = request.error ? request : withGlobalHeaders(undefined, global.response, false, dynamic);
    const error = request.error ?? response.error;
    if (error) {
      sink.error(
        ErrorType.Service,
        'HeadersPolicyInvalid',
        `${entry.field}: ${error}; the path is not served`,
      );
      return undefined;
    }
    if (request.policy) headers.requestHeaders = request.policy;
    if (response.policy) headers.responseHeaders = response.policy;
  }
  context.dag.addCluster(cluster);
  return { kind: 'cluster', clusters: [{ cluster: cluster.name, weight: 1, ...headers }] };
};

// Envoy's `*.example.com` domain matches any number of labels; Kubernetes means exactly one.
const wildcardHeaders = (host: string): HeaderMatch[] =>
  host.startsWith('*.')
    ? [
        {
          name: ':authority',
          kind: 'regex',
          value: wildcardAuthorityRegex(host),
          invert: false,
          ignoreCase: false,
          treatMissingAsEmpty: false,
        },
      ]
    : [];

const addIngressRoutes = (context: BuildContext, ingress: Ingress, tlsHosts: Set<string>): void => {
  const ref: ObjectRef = refOf(ingress);
  // Every served Ingress gets a status entry (only /debug/status shows it: the writer keeps Ingress
  // conditions out of the API, as Contour has none).
  const sink = context.status.for(ref, ingress.metadata.generation);
  const forceHttps = tlsRequired(ingress);
  const serveHttp = forceHttps || httpAllowed(ingress);
  const websockets = websocketPaths(ingress);
  const timeout = timeoutPolicyOf(ingress);
  const retry = retryPolicyOf(ingress);
  for (const key of nonStringAnnotations(ingress)) {
    sink.warning(
      ErrorType.Spec,
      'AnnotationNotValid',
      `annotation ${key} must be a string (quote it); ignored`,
    );
  }
  for (const problem of [...timeout.problems, ...retry.problems])
    sink.warning(ErrorType.Spec, 'AnnotationNotValid', problem);

  const entries = ingressPathEntries(ingress);
  // As Contour: a client certificate that cannot be used leaves every rule of the Ingress unserved.
  const clientCertificate = entries.length > 0 ? clientCertificateOf(context) : { ok: true as const };
  if (!clientCertificate.ok) {
    sink.error(ErrorType.Tls, 'SecretNotValid', `${clientCertificate.message}; the Ingress is not served`);
    return;
  }
  for (const entry of entries) {
    const host = entry.host === '' ? '*' : entry.host;
    const hostError = host === '*' ? undefined : ingressHostError(host);
    if (hostError) {
      sink.error(
        ErrorType.VirtualHost,
        'HostNotValid',
        `${entry.field}: ${hostError}; the path is not served`,
      );
      continue;
    }
    // Routes of a host with an Ingress TLS certificate (from any Ingress) are also served over TLS.
    const secure = host !== '*' && tlsHosts.has(host);
    if (!serveHttp && !secure) {
      sink.warning(
        ErrorType.VirtualHost,
        'HostNotServed',
        `host "${host}" is not served: ${IngressAnnotation.allowHttp} is "false" and the host has no TLS certificate`,
      );
      continue;
    }
    const path = ingressPathMatch(entry.path, entry.pathType, limitsOf(context.options).maxRegexLength);
    if (!path.match) {
      sink.error(
        ErrorType.Route,
        'PathMatchConditionsNotValid',
        `${entry.field}: ${path.error ?? 'invalid path'}; the path is not served`,
      );
      continue;
    }
    const action = backendAction(context, ingress, entry, sink, clientCertificate.secret);
    if (!action) continue;
    const route: Route = {
      match: { path: path.match, headers: wildcardHeaders(host), queryParams: [] },
      action,
      httpsRedirect: forceHttps,
      // The annotation lists paths as written in the Ingress.
      websocket: websockets.has(entry.path === '' ? '/' : entry.path),
      ...(timeout.value ? { timeout: timeout.value } : {}),
      ...(retry.value ? { retry: retry.value } : {}),
      mirrors: [],
      source: ref,
    };
    if (serveHttp) context.dag.addRoute(context.dag.httpVirtualHost(host, ref), route);
    if (secure) context.dag.addRoute(context.dag.httpsVirtualHost(host, ref), route);
  }
};

/**
 * Adds the routes, virtual hosts, clusters and secrets of every served Ingress to the build's DAG, and a
 * status entry per served Ingress (problems as errors and warnings). Run it before the HTTPProxy
 * processor: as in Contour, an HTTPProxy route with the same match on the same host then replaces it.
 */
export const processIngresses = (context: BuildContext): void => {
  const ingresses = servedIngresses(context);
  const tlsHosts = addIngressSecureVirtualHosts(context, ingresses);
  for (const ingress of ingresses) addIngressRoutes(context, ingress, tlsHosts);
};
