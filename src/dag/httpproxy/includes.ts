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
import { limitsOf } from '../limits.js';

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

/** One proxy being expanded: its includes are walked in order, then its own routes are added. */
interface Frame {
  proxy: ValidProxy;
  sink: StatusSink;
  conditions: MatchCondition[];
  /** The proxies from the root down to this one (cycle detection). */
  chain: ValidProxy[];
  nextInclude: number;
  routes: Route[];
  /** How many of `routes` came from included proxies (already counted against the limit). */
  childRoutes: number;
  seenIncludeConditions: Set<string>;
}

/**
 * Computes the routes a root contributes (its own and its includes', depth first), or undefined when
 * the include tree is beyond the limits (include depth, routes or proxy visits per virtual host): then
 * the root carries an error naming the limit. Iterative, so a chain of any length cannot overflow the
 * stack, and bounded, so a diamond of includes cannot expand exponentially.
 */
export const computeRoutes = (walk: IncludeWalk, sink: StatusSink, root: ValidProxy): Route[] | undefined => {
  const limits = limitsOf(walk.context.options);
  const rootName = `${root.namespace}/${root.name}`;
  const frame = (
    proxy: ValidProxy,
    proxySink: StatusSink,
    conditions: MatchCondition[],
    chain: ValidProxy[],
  ): Frame => ({
    proxy,
    sink: proxySink,
    conditions,
    chain,
    nextInclude: 0,
    routes: [],
    childRoutes: 0,
    seenIncludeConditions: new Set(),
  });
  const stack: Frame[] = [frame(root, sink, [], [root])];
  let visits = 0;
  let routeCount = 0;
  const overLimit = (what: string, limit: number, flag: string): undefined => {
    sink.error(
      ErrorType.Include,
      'IncludeLimitExceeded',
      `the include tree of ${rootName} ${what} ${limit} (the ${flag} limit); its virtual host is not served`,
    );
    return undefined;
  };

  while (stack.length > 0) {
    const current = stack[stack.length - 1];
    const { proxy } = current;
    const includes = proxy.spec.includes ?? [];
    if (current.nextInclude < includes.length) {
      const include = includes[current.nextInclude++];
      const child = includeTarget(walk, current, include);
      if (!child) continue;
      const childSink = walk.context.status.for(child.proxy.ref, child.proxy.generation);
      if (
        current.chain.some(
          (seen) => seen.namespace === child.proxy.namespace && seen.name === child.proxy.name,
        )
      ) {
        const path = [...current.chain, child.proxy]
          .map((seen) => `${seen.namespace}/${seen.name}`)
          .join(' -> ');
        childSink.error(
          ErrorType.Include,
          'IncludeCreatesCycle',
          `include creates an include cycle: ${path}`,
        );
        continue;
      }
      if (current.chain.length > limits.maxIncludeDepth) {
        return overLimit('is deeper than', limits.maxIncludeDepth, '--max-include-depth');
      }
      if (++visits > limits.maxIncludesPerVirtualHost) {
        return overLimit(
          'includes more proxies than',
          limits.maxIncludesPerVirtualHost,
          '--max-includes-per-vhost',
        );
      }
      stack.push(frame(child.proxy, childSink, child.conditions, [...current.chain, child.proxy]));
      continue;
    }
    for (const route of proxy.spec.routes ?? []) {
      const built = buildRoute(
        {
          context: walk.context,
          sink: current.sink,
          root: walk.root,
          proxy,
          conditions: current.conditions,
          enforceTls: walk.enforceTls,
        },
        route,
      );
      if (built) current.routes.push(built);
    }
    const routes = expandPrefixRewrites(current.routes);
    routeCount += routes.length - current.childRoutes;
    if (routeCount > limits.maxRoutesPerVirtualHost) {
      return overLimit('has more routes than', limits.maxRoutesPerVirtualHost, '--max-routes-per-vhost');
    }
    stack.pop();
    if (stack.length === 0) return routes;
    const parent = stack[stack.length - 1];
    for (const route of routes) parent.routes.push(route);
    parent.childRoutes += routes.length;
  }
  return [];
};

/**
 * Checks one include of `current`: its conditions, and that its target is a valid non-root proxy.
 * Problems are recorded (with a 502 route where Contour answers 502); the child to walk otherwise.
 */
const includeTarget = (
  walk: IncludeWalk,
  current: Frame,
  include: NonNullable<ValidProxy['spec']['includes']>[number],
): { proxy: ValidProxy; conditions: MatchCondition[] } | undefined => {
  const { proxy, sink, conditions, routes } = current;
  const namespace = include.namespace || proxy.namespace;
  const includeConditions = include.conditions ?? [];
  const maxRegexLength = limitsOf(walk.context.options).maxRegexLength;
  const conditionError =
    includeConditionsError(includeConditions) ?? pathConditionsError(includeConditions, maxRegexLength);
  if (conditionError) {
    sink.error(ErrorType.Include, 'PathMatchConditionsNotValid', `include: ${conditionError}`);
    return undefined;
  }
  const headerError = headerConditionsError(includeConditions, maxRegexLength);
  if (headerError) {
    sink.error(ErrorType.Route, 'HeaderMatchConditionsNotValid', headerError);
    return undefined;
  }
  const queryError = queryConditionsError(includeConditions, maxRegexLength);
  if (queryError) {
    sink.error(ErrorType.Route, 'QueryParameterMatchConditionsNotValid', queryError);
    return undefined;
  }
  const conditionsKey = includeConditionsKey(includeConditions);
  if (conditionsKey !== undefined) {
    if (current.seenIncludeConditions.has(conditionsKey)) {
      sink.error(ErrorType.Include, 'DuplicateMatchConditions', 'duplicate conditions defined on an include');
      return undefined;
    }
    current.seenIncludeConditions.add(conditionsKey);
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
    return undefined;
  }
  if (child.spec.virtualhost) {
    sink.error(
      ErrorType.Include,
      'RootIncludesRoot',
      `root httpproxy cannot include another root httpproxy (${child.namespace}/${child.name})`,
    );
    if (includeConditions.length > 0) routes.push(badGatewayRoute(merged, proxy));
    return undefined;
  }
  walk.reached.add(key);
  return { proxy: child, conditions: merged };
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
