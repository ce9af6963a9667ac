// Resources for proxyless gRPC clients (`xds:///<fqdn>` with @grpc/grpc-js-xds and other gRPC xDS clients).
// Such a client asks for a Listener named after its target; it must hold an `api_listener` HTTP connection
// manager whose RDS route configuration has that virtual host's routes. gRPC clients only understand
// forwarding routes, so redirects and direct responses are left out (and counted). Pure and deterministic.
import { create, isMessage } from '@bufbuild/protobuf';
import { ListenerSchema, type Listener } from '../gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema, type RouteConfiguration } from '../gen/envoy/config/route/v3/route_pb.js';
import type { Route as EnvoyRoute } from '../gen/envoy/config/route/v3/route_components_pb.js';
import { LocalityLbEndpointsSchema } from '../gen/envoy/config/endpoint/v3/endpoint_components_pb.js';
import { LocalitySchema } from '../gen/envoy/config/core/v3/base_pb.js';
import {
  ClusterLoadAssignmentSchema,
  type ClusterLoadAssignment,
} from '../gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { HttpConnectionManagerSchema } from '../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { RouterSchema } from '../gen/envoy/extensions/filters/http/router/v3/router_pb.js';
import type { Cluster, Dag, VirtualHost } from '../dag/types.js';
import { adsConfigSource, compareStrings, packAny } from './proto-util.js';
import { envoyRoute } from './route.js';
import { virtualHostName } from './names.js';

/** Route configuration name of a proxyless virtual host (distinct from Envoy's `ingress_http` and `https/…`). */
export const proxylessRouteConfigName = (fqdn: string): string => `grpc/${fqdn}`;

export interface ProxylessOptions {
  /** Also serve `<fqdn>:<port>` listeners, for clients whose target names a port. */
  ports?: number[];
}

/** A route a gRPC client could not follow, left out of its route configuration. */
export interface OmittedRoute {
  fqdn: string;
  /** Index of the route in the virtual host's route list. */
  index: number;
  action: 'redirect' | 'directResponse';
}

export interface ProxylessResources {
  listeners: Listener[];
  routes: RouteConfiguration[];
  omittedRoutes: OmittedRoute[];
}

// The hosts gRPC clients can address: wildcard hosts have no single target name.
const addressableHosts = (dag: Dag): VirtualHost[] => {
  const byFqdn = new Map<string, VirtualHost>();
  for (const virtualHost of dag.httpVirtualHosts) byFqdn.set(virtualHost.fqdn, virtualHost);
  // A TLS host's own routes are the real ones (its plaintext twin may only redirect), and proxyless clients
  // talk to backends directly, so Envoy's TLS termination does not apply to them.
  for (const virtualHost of dag.httpsVirtualHosts) {
    if (virtualHost.tcpProxy || virtualHost.secret === undefined) continue;
    byFqdn.set(virtualHost.fqdn, virtualHost);
  }
  return [...byFqdn.values()]
    .filter((v) => !v.fqdn.includes('*'))
    .sort((a, b) => compareStrings(a.fqdn, b.fqdn));
};

const apiListener = (name: string, routeConfigName: string): Listener =>
  create(ListenerSchema, {
    name,
    apiListener: {
      apiListener: packAny(HttpConnectionManagerSchema, {
        statPrefix: name,
        routeSpecifier: {
          case: 'rds' as const,
          value: { configSource: adsConfigSource(), routeConfigName },
        },
        // gRPC requires the router to be the last (here the only) HTTP filter.
        httpFilters: [
          {
            name: 'envoy.filters.http.router',
            configType: { case: 'typedConfig' as const, value: packAny(RouterSchema, {}) },
          },
        ],
      }),
    },
  });

/** Listeners and route configurations for every addressable virtual host of a DAG. */
export const proxylessResources = (dag: Dag, options: ProxylessOptions = {}): ProxylessResources => {
  const clusters = new Map<string, Cluster>(dag.clusters.map((cluster) => [cluster.name, cluster]));
  const ports = [...new Set(options.ports ?? [])].sort((a, b) => a - b);
  const listeners: Listener[] = [];
  const routes: RouteConfiguration[] = [];
  const omittedRoutes: OmittedRoute[] = [];
  for (const virtualHost of addressableHosts(dag)) {
    const kept: EnvoyRoute[] = [];
    virtualHost.routes.forEach((route, index) => {
      // `secure: true`: an HTTPS redirect means nothing to a client that dials backends itself.
      const translated = envoyRoute(route, { secure: true, clusters });
      if (translated.action.case === 'route') kept.push(translated);
      else if (translated.action.case === 'redirect' || translated.action.case === 'directResponse') {
        omittedRoutes.push({ fqdn: virtualHost.fqdn, index, action: translated.action.case });
      }
    });
    const routeConfigName = proxylessRouteConfigName(virtualHost.fqdn);
    routes.push(
      create(RouteConfigurationSchema, {
        name: routeConfigName,
        virtualHosts: [
          {
            name: virtualHostName(virtualHost.fqdn),
            // A target with a port ("host:port") must match too.
            domains: [virtualHost.fqdn, `${virtualHost.fqdn}:*`],
            routes: kept,
          },
        ],
      }),
    );
    listeners.push(apiListener(virtualHost.fqdn, routeConfigName));
    for (const port of ports) listeners.push(apiListener(`${virtualHost.fqdn}:${port}`, routeConfigName));
  }
  return {
    listeners: listeners.sort((a, b) => compareStrings(a.name, b.name)),
    routes: routes.sort((a, b) => compareStrings(a.name, b.name)),
    omittedRoutes,
  };
};

/**
 * gRPC clients reject a ClusterLoadAssignment whose localities have no `locality` (Envoy does not care),
 * so every locality gets an empty one when it has none. Items that are not messages (assignments the
 * incremental engine keeps encoded, made by `clusterLoadAssignment`, which always sets one) pass through.
 */
export const withLocality = <E extends object>(endpoints: readonly E[]): E[] =>
  endpoints.map((item) => {
    if (!isMessage(item, ClusterLoadAssignmentSchema)) return item;
    const assignment: ClusterLoadAssignment = item;
    // A fixed copy of a message is a message of the same type, so still an E.
    return (
      assignment.endpoints.every((locality) => locality.locality !== undefined)
        ? assignment
        : create(ClusterLoadAssignmentSchema, {
            ...assignment,
            endpoints: assignment.endpoints.map((locality) =>
              create(LocalityLbEndpointsSchema, {
                ...locality,
                locality: locality.locality ?? create(LocalitySchema),
              }),
            ),
          })
    ) as E;
  });

/** The lists addProxylessResources adds to: translate's messages, or what the incremental engine encoded. */
interface ProxylessBase {
  listeners: readonly { name: string }[];
  routes: readonly { name: string }[];
  endpoints: readonly object[];
}

/** `T` with the proxyless listeners and route configurations added (as messages). */
export type WithProxyless<T extends ProxylessBase> = Omit<T, 'listeners' | 'routes' | 'endpoints'> & {
  listeners: (T['listeners'][number] | Listener)[];
  routes: (T['routes'][number] | RouteConfiguration)[];
  endpoints: T['endpoints'][number][];
};

/** Adds the proxyless listeners and routes to a build's resources (and gRPC-compatible endpoints). */
export const addProxylessResources = <T extends ProxylessBase>(
  resources: T,
  dag: Dag,
  options: ProxylessOptions = {},
): { resources: WithProxyless<T>; omittedRoutes: OmittedRoute[] } => {
  const proxyless = proxylessResources(dag, options);
  const taken = new Set(resources.listeners.map((listener) => listener.name));
  const takenRoutes = new Set(resources.routes.map((route) => route.name));
  return {
    resources: {
      ...resources,
      // An fqdn can never equal Envoy's listener names (they have no dot), but never replace one regardless.
      listeners: [...resources.listeners, ...proxyless.listeners.filter((l) => !taken.has(l.name))].sort(
        (a, b) => compareStrings(a.name, b.name),
      ),
      routes: [...resources.routes, ...proxyless.routes.filter((r) => !takenRoutes.has(r.name))].sort(
        (a, b) => compareStrings(a.name, b.name),
      ),
      endpoints: withLocality(resources.endpoints),
    },
    omittedRoutes: proxyless.omittedRoutes,
  };
};
