// One DAG route → one Envoy route: match, action, and per-route policies. Exported for reuse by
// the proxyless (gRPC xDS) listeners, which serve the same virtual hosts.
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import {
  HeaderMatcherSchema,
  QueryParameterMatcherSchema,
  RedirectAction_RedirectResponseCode,
  RouteActionSchema,
  RouteMatchSchema,
  RouteSchema,
  WeightedCluster_ClusterWeightSchema,
  type HeaderMatcher,
  type QueryParameterMatcher,
  type Route as EnvoyRoute,
  type RouteMatch as EnvoyRouteMatch,
  type WeightedCluster_ClusterWeight,
} from '../gen/envoy/config/route/v3/route_components_pb.js';
import {
  HeaderValueOption_HeaderAppendAction,
  HeaderValueOptionSchema,
  type HeaderValueOption,
} from '../gen/envoy/config/core/v3/base_pb.js';
import { FractionalPercent_DenominatorType } from '../gen/envoy/type/v3/percent_pb.js';
import type { StringMatcherSchema } from '../gen/envoy/type/matcher/v3/string_pb.js';
import type {
  Cluster,
  HeaderMatch,
  HeadersPolicy,
  PathMatch,
  QueryParamMatch,
  Route,
  RouteAction,
  RouteMatch,
  WeightedCluster,
} from '../dag/types.js';
import { wellKnown } from './names.js';
import { compareStrings, durationFromMs, uint32 } from './proto-util.js';
import { trimTrailing } from '../util/text.js';
import { fitWeights } from './weights.js';

/** What a route's translation depends on besides the route itself. */
export interface RouteContext {
  /** Routes of a TLS virtual host ignore `httpsRedirect`. */
  secure: boolean;
  /** Tag routes with their source object in access-log metadata. */
  routeSourceMetadata?: boolean;
  /** The DAG's clusters by name (for load-balancing policies that need route hash policies). */
  clusters?: ReadonlyMap<string, Cluster>;
}

/** The cookie Contour's session affinity sets. */
export const sessionAffinityCookie = 'X-Contour-Session-Affinity';

type StringMatcherInit = MessageInitShape<typeof StringMatcherSchema>;

const regexMatcher = (regex: string) => ({ regex });

/** The Envoy path match; segment prefixes use path_separated_prefix like Contour. */
export const pathMatch = (path: PathMatch): MessageInitShape<typeof RouteMatchSchema>['pathSpecifier'] => {
  switch (path.kind) {
    case 'exact':
      return { case: 'path' as const, value: path.value };
    case 'regex':
      // Anchored: every path starts with "/", and the anchor keeps Envoy's regex program small.
      return { case: 'safeRegex' as const, value: regexMatcher(`^${path.value}`) };
    case 'prefix': {
      const trimmed = trimTrailing(path.value, '/');
      // "/" matches everything either way; path_separated_prefix cannot express it.
      if (path.segment && trimmed !== '') return { case: 'pathSeparatedPrefix' as const, value: trimmed };
      return { case: 'prefix' as const, value: path.value };
    }
  }
};

/** An Envoy header matcher for a DAG header condition. */
export const headerMatcher = (header: HeaderMatch): HeaderMatcher => {
  const stringMatch = (matchPattern: StringMatcherInit['matchPattern'], ignoreCase: boolean) => ({
    case: 'stringMatch' as const,
    value: { matchPattern, ignoreCase },
  });
  const value = header.value ?? '';
  const specifier =
    header.kind === 'present'
      ? { case: 'presentMatch' as const, value: true }
      : header.kind === 'exact'
        ? stringMatch({ case: 'exact' as const, value }, header.ignoreCase)
        : header.kind === 'contains'
          ? stringMatch({ case: 'contains' as const, value }, header.ignoreCase)
          : stringMatch({ case: 'safeRegex' as const, value: regexMatcher(value) }, false);
  return create(HeaderMatcherSchema, {
    name: header.name,
    invertMatch: header.invert,
    // Only meaningful for negative matches: a missing header then counts as "" (and so does not match).
    treatMissingHeaderAsEmpty: header.invert && header.treatMissingAsEmpty,
    headerMatchSpecifier: specifier,
  });
};

/** An Envoy query parameter matcher for a DAG query condition. */
export const queryParameterMatcher = (query: QueryParamMatch): QueryParameterMatcher => {
  const value = query.value ?? '';
  const pattern = (): StringMatcherInit['matchPattern'] => {
    switch (query.kind) {
      case 'exact':
        return { case: 'exact' as const, value };
      case 'prefix':
        return { case: 'prefix' as const, value };
      case 'suffix':
        return { case: 'suffix' as const, value };
      case 'contains':
        return { case: 'contains' as const, value };
      default:
        return { case: 'safeRegex' as const, value: regexMatcher(value) };
    }
  };
  return create(QueryParameterMatcherSchema, {
    name: query.name,
    queryParameterMatchSpecifier:
      query.kind === 'present'
        ? { case: 'presentMatch' as const, value: true }
        : {
            case: 'stringMatch' as const,
            value: { matchPattern: pattern(), ignoreCase: query.kind === 'regex' ? false : query.ignoreCase },
          },
  });
};

/** The full Envoy route match of a DAG route. */
export const routeMatch = (match: RouteMatch): EnvoyRouteMatch =>
  create(RouteMatchSchema, {
    pathSpecifier: pathMatch(match.path),
    headers: match.headers.map(headerMatcher),
    queryParameters: match.queryParams.map(queryParameterMatcher),
  });

/** Headers to set, sorted by name, replacing existing values. */
export const headersToSet = (policy: HeadersPolicy | undefined): HeaderValueOption[] =>
  [...(policy?.set ?? [])]
    .sort((a, b) => compareStrings(a.name, b.name))
    .map((header) =>
      create(HeaderValueOptionSchema, {
        header: { key: header.name, value: header.value },
        appendAction: HeaderValueOption_HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD,
      }),
    );

const headersToRemove = (policy: HeadersPolicy | undefined): string[] =>
  [...(policy?.remove ?? [])].sort(compareStrings);

const hasHeaderChanges = (policy: HeadersPolicy | undefined): boolean =>
  policy !== undefined &&
  (policy.set.length > 0 || policy.remove.length > 0 || policy.hostRewrite !== undefined);

const clusterWeight = (cluster: WeightedCluster, weight: number): WeightedCluster_ClusterWeight =>
  create(WeightedCluster_ClusterWeightSchema, {
    name: cluster.cluster,
    weight,
    requestHeadersToAdd: headersToSet(cluster.requestHeaders),
    requestHeadersToRemove: headersToRemove(cluster.requestHeaders),
    responseHeadersToAdd: headersToSet(cluster.responseHeaders),
    responseHeadersToRemove: headersToRemove(cluster.responseHeaders),
    hostRewriteSpecifier:
      cluster.requestHeaders?.hostRewrite !== undefined
        ? { case: 'hostRewriteLiteral' as const, value: cluster.requestHeaders.hostRewrite }
        : { case: undefined },
  });

/**
 * Weighted clusters sorted by name then weight. Envoy derives the total from the sum of weights
 * (total_weight is deprecated), which must fit uint32 (`fitWeights`); when every weight is zero,
 * traffic is shared evenly.
 */
export const weightedClusters = (clusters: WeightedCluster[]): WeightedCluster_ClusterWeight[] => {
  const allZero = clusters.every((cluster) => uint32(cluster.weight) === 0);
  const sorted = [...clusters].sort((a, b) => compareStrings(a.cluster, b.cluster) || a.weight - b.weight);
  const weights = allZero ? sorted.map(() => 1) : fitWeights(sorted.map((cluster) => cluster.weight));
  return sorted.map((cluster, index) => clusterWeight(cluster, weights[index]));
};

const redirectCodes: Record<number, RedirectAction_RedirectResponseCode> = {
  301: RedirectAction_RedirectResponseCode.MOVED_PERMANENTLY,
  302: RedirectAction_RedirectResponseCode.FOUND,
  303: RedirectAction_RedirectResponseCode.SEE_OTHER,
  307: RedirectAction_RedirectResponseCode.TEMPORARY_REDIRECT,
  308: RedirectAction_RedirectResponseCode.PERMANENT_REDIRECT,
};

const redirectAction = (action: Extract<RouteAction, { kind: 'redirect' }>) => ({
  case: 'redirect' as const,
  value: {
    hostRedirect: action.hostname ?? '',
    portRedirect: uint32(action.port ?? 0),
    responseCode: redirectCodes[action.statusCode] ?? RedirectAction_RedirectResponseCode.FOUND,
    schemeRewriteSpecifier: action.scheme
      ? { case: 'schemeRedirect' as const, value: action.scheme }
      : { case: undefined },
    pathRewriteSpecifier:
      action.path !== undefined
        ? { case: 'pathRedirect' as const, value: action.path }
        : action.prefix !== undefined
          ? { case: 'prefixRewrite' as const, value: action.prefix }
          : { case: undefined },
  },
});

// A literal host wins over one copied from a request header, as in Contour.
const hostRewrite = (policy: HeadersPolicy | undefined) =>
  policy?.hostRewrite !== undefined
    ? { case: 'hostRewriteLiteral' as const, value: policy.hostRewrite }
    : policy?.hostRewriteHeader !== undefined
      ? { case: 'hostRewriteHeader' as const, value: policy.hostRewriteHeader }
      : { case: undefined };

const usesCookieAffinity = (clusters: WeightedCluster[], context: RouteContext): boolean =>
  clusters.some((cluster) => context.clusters?.get(cluster.cluster)?.loadBalancerPolicy === 'Cookie');

const forwardAction = (route: Route, clusters: WeightedCluster[], context: RouteContext) => {
  const single =
    clusters.length === 1 &&
    !hasHeaderChanges(clusters[0].requestHeaders) &&
    !hasHeaderChanges(clusters[0].responseHeaders);
  return {
    case: 'route' as const,
    value: create(RouteActionSchema, {
      clusterSpecifier: single
        ? { case: 'cluster' as const, value: clusters[0].cluster }
        : { case: 'weightedClusters' as const, value: { clusters: weightedClusters(clusters) } },
      timeout: route.timeout?.responseMs !== undefined ? durationFromMs(route.timeout.responseMs) : undefined,
      idleTimeout: route.timeout?.idleMs !== undefined ? durationFromMs(route.timeout.idleMs) : undefined,
      retryPolicy:
        route.retry && route.retry.retryOn.length > 0
          ? {
              retryOn: route.retry.retryOn.join(','),
              numRetries: uint32(route.retry.numRetries),
              perTryTimeout:
                route.retry.perTryTimeoutMs !== undefined
                  ? durationFromMs(route.retry.perTryTimeoutMs)
                  : undefined,
              retriableStatusCodes: route.retry.retriableStatusCodes.map(uint32),
            }
          : undefined,
      prefixRewrite: route.prefixRewrite ?? '',
      hostRewriteSpecifier: hostRewrite(route.requestHeaders),
      upgradeConfigs: route.websocket ? [{ upgradeType: 'websocket' }] : [],
      requestMirrorPolicies: route.mirrors.map((mirror) => ({
        cluster: mirror.cluster,
        runtimeFraction: {
          defaultValue: {
            numerator: uint32(mirror.weight),
            denominator: FractionalPercent_DenominatorType.HUNDRED,
          },
        },
      })),
      hashPolicy: usesCookieAffinity(clusters, context)
        ? [
            {
              policySpecifier: {
                case: 'cookie' as const,
                value: { name: sessionAffinityCookie, ttl: durationFromMs(0), path: '/' },
              },
            },
          ]
        : [],
    }),
  };
};

// Struct fields are plain JSON objects in protobuf-es.
const sourceMetadata = (route: Route) => ({
  filterMetadata: {
    [wellKnown.fileAccessLog]: {
      'io.projectcontour.kind': route.source.kind,
      'io.projectcontour.name': route.source.name,
      'io.projectcontour.namespace': route.source.namespace,
    },
  },
});

/** Translates one DAG route for a plaintext (`secure: false`) or TLS virtual host. */
export const envoyRoute = (route: Route, context: RouteContext): EnvoyRoute => {
  const base = {
    match: routeMatch(route.match),
    metadata: context.routeSourceMetadata ? sourceMetadata(route) : undefined,
  };
  if (route.httpsRedirect && !context.secure) {
    return create(RouteSchema, {
      ...base,
      action: {
        case: 'redirect' as const,
        value: { schemeRewriteSpecifier: { case: 'httpsRedirect' as const, value: true } },
      },
    });
  }
  const action = route.action;
  switch (action.kind) {
    case 'directResponse':
      return create(RouteSchema, {
        ...base,
        action: {
          case: 'directResponse' as const,
          value: {
            status: uint32(action.statusCode),
            body: action.body
              ? { specifier: { case: 'inlineString' as const, value: action.body } }
              : undefined,
          },
        },
      });
    case 'redirect':
      return create(RouteSchema, { ...base, action: redirectAction(action) });
    case 'cluster':
      // A route without any backend has nowhere to go: answer 503 as Contour does for missing services.
      if (action.clusters.length === 0) {
        return create(RouteSchema, {
          ...base,
          action: { case: 'directResponse' as const, value: { status: 503 } },
        });
      }
      return create(RouteSchema, {
        ...base,
        action: forwardAction(route, action.clusters, context),
        requestHeadersToAdd: headersToSet(route.requestHeaders),
        requestHeadersToRemove: headersToRemove(route.requestHeaders),
        responseHeadersToAdd: headersToSet(route.responseHeaders),
        responseHeadersToRemove: headersToRemove(route.responseHeaders),
      });
  }
};
