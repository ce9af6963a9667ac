// proxylessResources from hand-built DAGs: which hosts get listeners, which routes are kept, and the
// gRPC-compatible endpoints; checked without a client so each rule fails on its own.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import type { Dag, Route, SecureVirtualHost, VirtualHost } from '../../src/dag/types.js';
import { addProxylessResources, proxylessResources, withLocality } from '../../src/envoy/proxyless.js';
import { HttpConnectionManagerSchema } from '../../src/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { ClusterLoadAssignmentSchema } from '../../src/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { EnvoyResources } from '../../src/envoy/resources.js';
import { secureVirtualHost } from '../envoy/fixtures.js';

const source = { kind: 'HTTPProxy', namespace: 'default', name: 'p' };
const cluster = {
  name: 'default/svc/80/abc',
  edsName: 'default/svc/http',
  service: { namespace: 'default', name: 'svc', port: 80 },
};

const route = (prefix: string, action: Route['action'], httpsRedirect = false): Route => ({
  match: { path: { kind: 'prefix', value: prefix, segment: false }, headers: [], queryParams: [] },
  action,
  httpsRedirect,
  websocket: false,
  mirrors: [],
  source,
});

const forward = (prefix: string, httpsRedirect = false) =>
  route(prefix, { kind: 'cluster', clusters: [{ cluster: cluster.name, weight: 1 }] }, httpsRedirect);

const dagOf = (httpVirtualHosts: VirtualHost[], httpsVirtualHosts: SecureVirtualHost[] = []): Dag => ({
  httpVirtualHosts,
  httpsVirtualHosts,
  clusters: [cluster],
  secrets: [],
});

describe('proxyless resources', () => {
  it('makes one api_listener per addressable fqdn, pointing at its RDS route configuration', () => {
    const dag = dagOf([
      { fqdn: 'b.example.com', routes: [forward('/')], source },
      { fqdn: 'a.example.com', routes: [forward('/')], source },
      { fqdn: '*.wild.example.com', routes: [forward('/')], source },
    ]);
    const result = proxylessResources(dag, { ports: [443, 50051, 443] });
    assert.deepEqual(
      result.listeners.map((l) => l.name),
      [
        'a.example.com',
        'a.example.com:443',
        'a.example.com:50051',
        'b.example.com',
        'b.example.com:443',
        'b.example.com:50051',
      ],
    );
    const manager = anyUnpack(result.listeners[0].apiListener!.apiListener!, HttpConnectionManagerSchema);
    assert.equal(manager?.routeSpecifier.case, 'rds');
    assert.equal(manager.routeSpecifier.value.routeConfigName, 'grpc/a.example.com');
    assert.equal(manager.routeSpecifier.value.configSource?.configSourceSpecifier.case, 'ads');
    assert.deepEqual(
      manager.httpFilters.map((f) => f.name),
      ['envoy.filters.http.router'],
    );
    assert.deepEqual(
      result.routes.map((r) => [r.name, r.virtualHosts[0].domains]),
      [
        ['grpc/a.example.com', ['a.example.com', 'a.example.com:*']],
        ['grpc/b.example.com', ['b.example.com', 'b.example.com:*']],
      ],
    );
  });

  it('keeps forwarding routes, ignores HTTPS redirects, and counts what gRPC cannot follow', () => {
    const dag = dagOf([
      {
        fqdn: 'a.example.com',
        routes: [
          forward('/api', true),
          route('/old', { kind: 'redirect', hostname: 'b.example.com', statusCode: 301 }),
          route('/gone', { kind: 'directResponse', statusCode: 410 }),
          route('/missing', { kind: 'cluster', clusters: [] }),
          forward('/'),
        ],
        source,
      },
    ]);
    const result = proxylessResources(dag);
    const kept = result.routes[0].virtualHosts[0].routes;
    assert.deepEqual(
      kept.map((r) => [r.action.case, r.match?.pathSpecifier.value]),
      [
        ['route', '/api'],
        ['route', '/'],
      ],
    );
    assert.deepEqual(result.omittedRoutes, [
      { fqdn: 'a.example.com', index: 1, action: 'redirect' },
      { fqdn: 'a.example.com', index: 2, action: 'directResponse' },
      { fqdn: 'a.example.com', index: 3, action: 'directResponse' },
    ]);
  });

  it("prefers a TLS host's own routes over its plaintext redirects, and skips passthrough hosts", () => {
    const secure = (fqdn: string, routes: Route[], extra: Partial<SecureVirtualHost> = {}) =>
      secureVirtualHost(fqdn, routes, { source, secret: 'default/cert/abc', ...extra });
    const dag = dagOf(
      [
        {
          fqdn: 'a.example.com',
          routes: [route('/', { kind: 'redirect', scheme: 'https', statusCode: 301 })],
          source,
        },
      ],
      [
        secure('a.example.com', [forward('/secure')]),
        secure('p.example.com', [], { secret: undefined, tcpProxy: { passthrough: true, clusters: [] } }),
      ],
    );
    const result = proxylessResources(dag);
    assert.deepEqual(
      result.listeners.map((l) => l.name),
      ['a.example.com'],
    );
    assert.equal(result.routes[0].virtualHosts[0].routes[0].match?.pathSpecifier.value, '/secure');
    assert.deepEqual(result.omittedRoutes, []);
  });

  it('gives every locality a locality, leaving complete assignments untouched', () => {
    const bare = create(ClusterLoadAssignmentSchema, {
      clusterName: 'x',
      endpoints: [{ loadBalancingWeight: 1 }],
    });
    const complete = create(ClusterLoadAssignmentSchema, {
      clusterName: 'y',
      endpoints: [{ locality: { zone: 'z' }, loadBalancingWeight: 1 }],
    });
    const [fixed, same] = withLocality([bare, complete]);
    assert.ok(fixed.endpoints[0].locality, 'locality added');
    assert.equal(fixed.endpoints[0].loadBalancingWeight, 1);
    assert.equal(bare.endpoints[0].locality, undefined, 'input not mutated');
    assert.equal(same, complete);
  });

  it('adds to a build without replacing or reordering what Envoy gets', () => {
    const base: EnvoyResources = { listeners: [], routes: [], clusters: [], endpoints: [], secrets: [] };
    const dag = dagOf([{ fqdn: 'a.example.com', routes: [forward('/')], source }]);
    const { resources } = addProxylessResources(base, dag);
    assert.deepEqual(
      resources.listeners.map((l) => l.name),
      ['a.example.com'],
    );
    assert.deepEqual(
      resources.routes.map((r) => r.name),
      ['grpc/a.example.com'],
    );
  });
});
