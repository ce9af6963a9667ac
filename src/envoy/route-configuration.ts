// Route configurations: `ingress_http` (every plaintext virtual host) and `https/<fqdn>` per TLS host.
import { create } from '@bufbuild/protobuf';
import { RouteConfigurationSchema, type RouteConfiguration } from '../gen/envoy/config/route/v3/route_pb.js';
import {
  VirtualHostSchema,
  type VirtualHost as EnvoyVirtualHost,
} from '../gen/envoy/config/route/v3/route_components_pb.js';
import { HeaderValueOption_HeaderAppendAction } from '../gen/envoy/config/core/v3/base_pb.js';
import type { SecureVirtualHost, VirtualHost } from '../dag/types.js';
import {
  fallbackRouteConfigName,
  httpRouteConfigName,
  httpsRouteConfigName,
  virtualHostName,
} from './names.js';
import { compareStrings } from './proto-util.js';
import { envoyRoute, type RouteContext } from './route.js';

/** One Envoy virtual host with its routes, in the DAG's order. */
export const envoyVirtualHost = (virtualHost: VirtualHost, context: RouteContext): EnvoyVirtualHost =>
  create(VirtualHostSchema, {
    name: virtualHostName(virtualHost.fqdn),
    domains: [virtualHost.fqdn],
    routes: virtualHost.routes.map((route) => envoyRoute(route, context)),
  });

/** A route configuration holding `virtualHosts` (those without routes are left out), sorted by name. */
export const routeConfiguration = (
  name: string,
  virtualHosts: VirtualHost[],
  context: RouteContext,
): RouteConfiguration =>
  create(RouteConfigurationSchema, {
    name,
    virtualHosts: virtualHosts
      .filter((virtualHost) => virtualHost.routes.length > 0)
      .map((virtualHost) => envoyVirtualHost(virtualHost, context))
      .sort((a, b) => compareStrings(a.name, b.name)),
    // Lets backends measure queueing time (Envoy's start time, seconds with milliseconds).
    requestHeadersToAdd: [
      {
        header: { key: 'x-request-start', value: 't=%START_TIME(%s.%3f)%' },
        appendAction: HeaderValueOption_HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD,
      },
    ],
    // Clients may send Host with a port (foo.com:8080); match on the name alone.
    ignorePortInHostMatching: true,
  });

/** The hosts of `ingress_fallbackcert`: terminated HTTP hosts that enabled the fallback certificate. */
export const fallbackVirtualHosts = (httpsVirtualHosts: SecureVirtualHost[]): SecureVirtualHost[] =>
  httpsVirtualHosts.filter(
    (virtualHost) =>
      virtualHost.fallbackSecret !== undefined &&
      virtualHost.secret !== undefined &&
      !virtualHost.tcpProxy &&
      virtualHost.routes.length > 0,
  );

/** Every route configuration of a build: `ingress_http` always, plus one per terminated TLS host. */
export const routeConfigurations = (
  httpVirtualHosts: VirtualHost[],
  httpsVirtualHosts: SecureVirtualHost[],
  context: Omit<RouteContext, 'secure'>,
): RouteConfiguration[] => {
  const configurations = [
    routeConfiguration(httpRouteConfigName, httpVirtualHosts, { ...context, secure: false }),
  ];
  for (const virtualHost of httpsVirtualHosts) {
    // Passthrough and TCP-proxied hosts have no HTTP connection manager, so no routes.
    if (virtualHost.secret === undefined || virtualHost.tcpProxy) continue;
    configurations.push(
      routeConfiguration(httpsRouteConfigName(virtualHost.fqdn), [virtualHost], { ...context, secure: true }),
    );
  }
  const fallbackHosts = fallbackVirtualHosts(httpsVirtualHosts);
  if (fallbackHosts.length > 0)
    configurations.push(
      routeConfiguration(fallbackRouteConfigName, fallbackHosts, { ...context, secure: true }),
    );
  return configurations.sort((a, b) => compareStrings(a.name, b.name));
};
