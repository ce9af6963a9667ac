// One hand-built DAG using every feature translate supports, plus its EndpointSlices: the
// hand-built part of the proto corpus and the input of the determinism tests.
import type { Dag } from '../../src/dag/types.js';
import type { EndpointSlice } from '../../src/apis/kubernetes.js';
import {
  cluster,
  endpointSlice,
  forward,
  prefixMatch,
  route,
  secureVirtualHost,
  tlsSecret,
  virtualHost,
} from './fixtures.js';

const web = cluster('web', 80, {
  service: { namespace: 'default', name: 'web', port: 80, portName: 'http' },
  edsName: 'default/web/http',
});
const api = cluster('api', 8080, { loadBalancerPolicy: 'WeightedLeastRequest' });
const sticky = cluster('sticky', 80, { loadBalancerPolicy: 'Cookie' });
const grpc = cluster('grpc', 9000, { protocol: 'h2c' });
const secureBackend = cluster('secure', 443, {
  protocol: 'h2',
  sni: 'secure.internal',
  upstreamValidation: { caSecret: 'default/ca/5555555555', subjectName: 'secure.internal' },
});
const tlsBackend = cluster('tlsonly', 443, { protocol: 'tls', sni: 'tls.internal' });
const external = cluster('ext', 443, { externalName: 'api.example.org' });
const db = cluster('db', 5432);

/** The DAG: plaintext and TLS hosts, passthrough, TCP proxying, every route feature. */
export const kitchenSinkDag = (): Dag => {
  const routes = [
    route({ path: { kind: 'exact', value: '/login' }, headers: [], queryParams: [] }, forward(web), {
      timeout: { responseMs: 0, idleMs: 60_000 },
      retry: {
        retryOn: ['5xx', 'gateway-error'],
        numRetries: 2,
        perTryTimeoutMs: 500,
        retriableStatusCodes: [503],
      },
    }),
    route(
      {
        path: { kind: 'regex', value: '/v[0-9]+/.*' },
        headers: [],
        queryParams: [{ name: 'q', kind: 'prefix', value: 'a', ignoreCase: true }],
      },
      {
        kind: 'cluster',
        clusters: [
          { cluster: api.name, weight: 30 },
          {
            cluster: web.name,
            weight: 70,
            requestHeaders: { set: [{ name: 'x-b', value: 'v' }], remove: [], hostRewrite: 'web.internal' },
          },
        ],
      },
    ),
    route(
      {
        ...prefixMatch('/api/'),
        headers: [
          {
            name: 'x-user',
            kind: 'exact',
            value: 'alice',
            invert: false,
            ignoreCase: true,
            treatMissingAsEmpty: false,
          },
          {
            name: 'user-agent',
            kind: 'contains',
            value: 'bot',
            invert: true,
            ignoreCase: false,
            treatMissingAsEmpty: true,
          },
          {
            name: 'x-re',
            kind: 'regex',
            value: 'a.*b',
            invert: false,
            ignoreCase: false,
            treatMissingAsEmpty: false,
          },
          {
            name: 'x-present',
            kind: 'present',
            invert: false,
            ignoreCase: false,
            treatMissingAsEmpty: false,
          },
        ],
      },
      forward(api),
      {
        websocket: true,
        prefixRewrite: '/',
        mirrors: [{ cluster: grpc.name, weight: 5 }],
        requestHeaders: { set: [{ name: 'x-env', value: 'prod' }], remove: ['x-debug'] },
        responseHeaders: { set: [{ name: 'x-served-by', value: 'envoy' }], remove: ['server'] },
      },
    ),
    route(prefixMatch('/sticky'), forward(sticky)),
    route(prefixMatch('/rpc'), forward(grpc)),
    route(prefixMatch('/secure'), forward(secureBackend, tlsBackend)),
    route(prefixMatch('/ext'), forward(external)),
    route(prefixMatch('/old'), {
      kind: 'redirect',
      scheme: 'https',
      hostname: 'new.example.com',
      port: 443,
      prefix: '/new',
      statusCode: 308,
    }),
    route(prefixMatch('/gone'), { kind: 'directResponse', statusCode: 503 }),
    route(prefixMatch('/team'), { kind: 'directResponse', statusCode: 502, body: 'include missing' }),
    route(prefixMatch('/', false), forward(web)),
  ];
  const secure = secureVirtualHost('a.example.com', routes, { minTlsVersion: '1.3' });
  return {
    httpVirtualHosts: [
      virtualHost(
        'a.example.com',
        routes.map((r) => ({ ...r, httpsRedirect: true })),
      ),
      virtualHost('plain.example.com', [route(prefixMatch('/'), forward(web))]),
      virtualHost('*.wild.example.com', [route(prefixMatch('/'), forward(api))]),
    ],
    httpsVirtualHosts: [
      secure,
      secureVirtualHost('b.example.com', [route(prefixMatch('/'), forward(web))]),
      secureVirtualHost('db.example.com', [], {
        secret: undefined,
        tcpProxy: { passthrough: true, clusters: [{ cluster: db.name, weight: 1 }] },
      }),
      secureVirtualHost('tcp.example.com', [], {
        tcpProxy: {
          passthrough: false,
          clusters: [
            { cluster: db.name, weight: 2 },
            { cluster: api.name, weight: 1 },
          ],
        },
      }),
    ],
    clusters: [api, db, external, grpc, secureBackend, sticky, tlsBackend, web].sort((a, b) =>
      a.name < b.name ? -1 : 1,
    ),
    secrets: [
      tlsSecret('default/a.example.com-tls/0123456789'),
      tlsSecret('default/b.example.com-tls/0123456789'),
      tlsSecret('default/tcp.example.com-tls/0123456789'),
      {
        name: 'default/ca/5555555555',
        source: { namespace: 'default', name: 'ca' },
        caCertificate: '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n',
      },
    ],
  };
};

/** EndpointSlices for the kitchen-sink Services, with duplicates, unready endpoints and two slices per Service. */
export const kitchenSinkSlices = (): EndpointSlice[] => [
  endpointSlice(
    'web-a',
    'web',
    [{ addresses: ['10.0.0.2'] }, { addresses: ['10.0.0.1'], conditions: { ready: false } }],
    [
      { name: 'http', port: 8080, protocol: 'TCP' },
      { name: 'metrics', port: 9090, protocol: 'TCP' },
    ],
  ),
  endpointSlice(
    'web-b',
    'web',
    [{ addresses: ['10.0.0.3'] }, { addresses: ['10.0.0.2'] }],
    [{ name: 'http', port: 8080, protocol: 'TCP' }],
  ),
  endpointSlice('api-a', 'api', [{ addresses: ['10.0.1.1'] }, { addresses: ['10.0.1.2'] }], [{ port: 8080 }]),
  endpointSlice('db-a', 'db', [{ addresses: ['fd00::1'] }], [{ port: 5432 }], { addressType: 'IPv6' }),
  endpointSlice('grpc-a', 'grpc', [{ addresses: ['10.0.2.1'] }], [{ port: 9000 }]),
];
