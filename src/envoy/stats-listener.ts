// Static listeners that expose parts of Envoy's admin interface: `stats-health` (readiness and
// Prometheus stats for the kubelet and scrapers) and the read-only `envoy-admin` on loopback.
import { create } from '@bufbuild/protobuf';
import { ListenerSchema, type Listener } from '../gen/envoy/config/listener/v3/listener_pb.js';
import { FilterSchema } from '../gen/envoy/config/listener/v3/listener_components_pb.js';
import { HttpConnectionManagerSchema } from '../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { RouterSchema } from '../gen/envoy/extensions/filters/http/router/v3/router_pb.js';
import { RouteConfigurationSchema, type RouteConfiguration } from '../gen/envoy/config/route/v3/route_pb.js';
import { socketAddress, tcpKeepaliveOptions } from './address.js';
import {
  adminClusterName,
  adminListenerName,
  omEnforcedHealthListenerName,
  statsListenerName,
  wellKnown,
} from './names.js';
import { packAny } from './proto-util.js';
import { statsTlsContext, type StatsTlsFiles } from './stats-tls.js';
import { tlsTransportSocket } from './tls-context.js';
import type { TransportSocket } from '../gen/envoy/config/core/v3/base_pb.js';

/** Paths `stats-health` forwards to the admin interface. */
export const statsHealthPaths = ['/ready', '/stats', '/stats/prometheus'];

/** Read-only admin paths the `envoy-admin` listener forwards. */
export const adminPaths = [
  '/certs',
  '/clusters',
  '/listeners',
  '/config_dump',
  '/memory',
  '/ready',
  '/runtime',
  '/server_info',
  '/stats',
  '/stats/prometheus',
  '/stats/recentlookups',
];

// Only GET: the admin interface mutates state on POST (e.g. /healthcheck/fail, /quitquitquit).
const adminRoutes = (paths: string[]): RouteConfiguration =>
  create(RouteConfigurationSchema, {
    virtualHosts: [
      {
        name: 'backend',
        domains: ['*'],
        routes: paths.map((path) => ({
          match: {
            pathSpecifier: { case: 'path' as const, value: path },
            headers: [
              {
                name: ':method',
                headerMatchSpecifier: {
                  case: 'stringMatch' as const,
                  value: { ignoreCase: true, matchPattern: { case: 'exact' as const, value: 'GET' } },
                },
              },
            ],
          },
          action: {
            case: 'route' as const,
            value: { clusterSpecifier: { case: 'cluster' as const, value: adminClusterName } },
          },
        })),
      },
    ],
  });

const adminProxyListener = (
  name: string,
  address: string,
  port: number,
  statPrefix: string,
  paths: string[],
  transportSocket?: TransportSocket,
  // Health checks get through even when the global connection limit is reached, except on the
  // overload-manager enforced health listener, whose point is to fail then.
  ignoreGlobalConnLimit = true,
) =>
  create(ListenerSchema, {
    name,
    address: socketAddress(address, port),
    socketOptions: tcpKeepaliveOptions(),
    ignoreGlobalConnLimit,
    filterChains: [
      {
        filters: [
          create(FilterSchema, {
            name: wellKnown.httpConnectionManager,
            configType: {
              case: 'typedConfig' as const,
              value: packAny(HttpConnectionManagerSchema, {
                statPrefix,
                routeSpecifier: { case: 'routeConfig' as const, value: adminRoutes(paths) },
                httpFilters: [
                  {
                    name: wellKnown.envoyRouter,
                    configType: { case: 'typedConfig' as const, value: packAny(RouterSchema, {}) },
                  },
                ],
                normalizePath: true,
              }),
            },
          }),
        ],
        transportSocket,
      },
    ],
  });

/** Paths of the separate `stats` listener. */
export const statsPaths = ['/stats', '/stats/prometheus'];

/** The `stats-health` listener serving /ready and /stats on the stats address. */
export const statsListener = (address: string, port: number): Listener =>
  adminProxyListener(statsListenerName, address, port, 'stats', statsHealthPaths);

/**
 * `stats-health` when stats and health share an address and port; otherwise Contour's separate
 * `stats` (/stats, /stats/prometheus) and `health` (/ready) listeners. With TLS (always on its own
 * address or port: settings refuse TLS on the health port, as Contour), `stats` serves over TLS.
 */
export const statsListeners = (
  stats: { address: string; port: number },
  health: { address: string; port: number },
  tls?: StatsTlsFiles,
): Listener[] =>
  !tls && stats.address === health.address && stats.port === health.port
    ? [statsListener(stats.address, stats.port)]
    : [
        adminProxyListener(
          'stats',
          stats.address,
          stats.port,
          'stats',
          statsPaths,
          tls && tlsTransportSocket(statsTlsContext(tls)),
        ),
        adminProxyListener('health', health.address, health.port, 'stats', ['/ready']),
      ];

/**
 * Contour's `health-om-enforced` listener: /ready like `health`, but subject to the overload
 * manager's global downstream connection limit, so a saturated Envoy fails this check. None when unset.
 */
export const omEnforcedHealthListener = (endpoint: { address: string; port: number } | null): Listener[] =>
  endpoint
    ? [
        adminProxyListener(
          omEnforcedHealthListenerName,
          endpoint.address,
          endpoint.port,
          'stats',
          ['/ready'],
          undefined,
          false,
        ),
      ]
    : [];

/** The loopback `envoy-admin` listener with read-only admin paths; none when `port` is 0. */
export const adminListener = (port: number): Listener[] =>
  port > 0 ? [adminProxyListener(adminListenerName, '127.0.0.1', port, 'envoy-admin', adminPaths)] : [];
