// Walks an HTTPProxy include tree from a root, merging conditions down the chain, detecting cycles,
// and turning broken includes into status errors (and 502 routes where Contour answers 502).
import type { MatchCondition } from '../../apis/httpproxy.js';
import {
  headerConditionsError,
  includeConditionsError,
  includeConditionsKey,
  mergeHeaderConditions,
  mergePathConditions,
  mergeQueryConditions,
  pathConditionsError,
  queryConditionsError,
} from '../conditions.js';
import type { BuildContext } from '../context.js';
import { ErrorType, type StatusSink } from '../status.js';
import type { Route } from '../types.js';
import { proxyKey, type ProxyIndex, type ValidProxy } from './proxies.js';
import { buildRoute } from './route.js';
import { trimTrailing } from '../../util/text.js';

/** State of one walk from a root. */
export interface IncludeWalk {
  context: BuildContext;
  proxies: ProxyIndex;
  root: ValidProxy;
  enforceTls: boolean;
  /** Proxies reached from some root (so not orphaned). */
  reached: Set<string>;
}

const badGatewayRoute = (conditions: MatchCondition[], proxy: ValidProxy): Route => ({
  match: {
    path: mergePathConditions(conditions),
    headers: mergeHeaderConditions(conditions),
    queryParams: mergeQueryConditions(conditions),
  },
  action: { kind: 'directResponse', statusCode: 502 },
  httpsRedirect: false,
  websocket: false,
  mirrors: [],
  source: { ...proxy.ref },
});

/** Computes the routes a proxy contributes (its own and its includes'), depth first. */
export const computeRoutes = (
  walk: IncludeWalk,
  sink: StatusSink,
  proxy: ValidProxy,
  conditions: MatchCondition[],
  visited: ValidProxy[],
): Route[] => {
  if (visited.some((seen) => seen.namespace === proxy.namespace && seen.name === proxy.name)) {
    const path = [...visited, proxy].map((seen) => `${seen.namespace}/${seen.name}`).join(' -> ');
    sink.error(ErrorType.Include, 'IncludeCreatesCycle', `include creates an include cycle: ${path}`);
    return [];
  }
  const chain = [...visited, proxy];
  const routes: Route[] = [];
  const seenIncludeConditions = new Set<string>();

  for (const include of proxy.spec.includes ?? []) {
    const namespace = include.namespace || proxy.namespace;
    const includeConditions = include.conditions ?? [];
    const conditionError =
      includeConditionsError(includeConditions) ?? pathConditionsError(includeConditions);
    if (conditionError) {
      sink.error(ErrorType.Include, 'PathMatchConditionsNotValid', `include: ${conditionError}`);
      continue;
    }
    const headerError = headerConditionsError(includeConditions);
    if (headerError) {
      sink.error(ErrorType.Route, 'HeaderMatchConditionsNotValid', headerError);
      continue;
    }
    const queryError = queryConditionsError(includeConditions);
    if (queryError) {
      sink.error(ErrorType.Route, 'QueryParameterMatchConditionsNotValid', queryError);
      continue;
    }
    const conditionsKey = includeConditionsKey(includeConditions);
    if (conditionsKey !== undefined) {
      if (seenIncludeConditions.has(conditionsKey)) {
        sink.error(
          ErrorType.Include,
          'DuplicateMatchConditions',
          'duplicate conditions defined on an include',
        );
        continue;
      }
      seenIncludeConditions.add(conditionsKey);
    }
    const key = proxyKey(namespace, include.name);
    const child = walk.proxies.byName.get(key);
    const merged = [...conditions, ...includeConditions];
    if (!child) {
      if (walk.proxies.invalid.has(key)) {
        walk.reached.add(key);
        sink.error(
          ErrorType.Include,
          'IncludeNotValid',
          `include ${namespace}/${include.name} is not a valid HTTPProxy`,
        );
      } else {
        sink.error(ErrorType.Include, 'IncludeNotFound', `include ${namespace}/${include.name} not found`);
      }
      if (includeConditions.length > 0) routes.push(badGatewayRoute(merged, proxy));
      continue;
    }
    if (child.spec.virtualhost) {
      sink.error(
        ErrorType.Include,
        'RootIncludesRoot',
        `root httpproxy cannot include another root httpproxy (${child.namespace}/${child.name})`,
      );
      if (includeConditions.length > 0) routes.push(badGatewayRoute(merged, proxy));
      continue;
    }
    walk.reached.add(key);
    const childSink = walk.context.status.for(child.ref, child.generation);
    routes.push(...computeRoutes(walk, childSink, child, merged, chain));
  }

  for (const route of proxy.spec.routes ?? []) {
    const built = buildRoute(
      { context: walk.context, sink, root: walk.root, proxy, conditions, enforceTls: walk.enforceTls },
      route,
    );
    if (built) routes.push(built);
  }
  return expandPrefixRewrites(routes);
};

const trimTrailingSlashes = (value: string): string => trimTrailing(value, '/');

/**
 * A route `/foo` rewriting its prefix must also work for `/foo/`: as Contour does, a lone prefix route
 * with a rewrite becomes two, `/foo` (rewrite without trailing slash) and `/foo/` (with one).
 */
const expandPrefixRewrites = (routes: Route[]): Route[] => {
  const byPrefix = new Map<string, Route[]>();
  const expanded: Route[] = [];
  for (const route of routes) {
    expanded.push(route);
    if (route.match.path.kind !== 'prefix') continue;
    const value = route.match.path.value;
    const prefix = value === '/' ? value : trimTrailingSlashes(value);
    const group = byPrefix.get(prefix) ?? [];
    group.push(route);
    byPrefix.set(prefix, group);
  }
  for (const [prefix, group] of byPrefix) {
    if (group.length !== 1) continue;
    const route = group[0];
    if (
      route.prefixRewrite === undefined ||
      route.match.path.kind !== 'prefix' ||
      route.match.path.value === '/'
    )
      continue;
    const segment = route.match.path.segment;
    const rewrite = trimTrailingSlashes(route.prefixRewrite);
    const index = expanded.indexOf(route);
    expanded[index] = {
      ...route,
      match: { ...route.match, path: { kind: 'prefix', value: prefix, segment } },
      prefixRewrite: rewrite === '' ? '/' : rewrite,
    };
    expanded.push({
      ...route,
      match: { ...route.match, path: { kind: 'prefix', value: `${prefix}/`, segment } },
      prefixRewrite: `${rewrite}/`,
    });
  }
  return expanded;
};
