// The Ingress processor over a real store, accumulator and secret resolver.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Dag, Route, VirtualHost } from '../../../src/dag/types.js';
import { backend, buildIngresses, ingress, rule, service } from './fixtures.js';

const hostOf = (hosts: VirtualHost[], fqdn: string): VirtualHost => {
  const host = hosts.find((candidate) => candidate.fqdn === fqdn);
  assert.ok(host, `virtual host ${fqdn} exists (have: ${hosts.map((h) => h.fqdn).join(', ')})`);
  return host;
};

const clusterNameOf = (route: Route): string => {
  assert.equal(route.action.kind, 'cluster');
  if (route.action.kind !== 'cluster') return '';
  assert.equal(route.action.clusters.length, 1);
  return route.action.clusters[0].cluster;
};

const serviceOfRoute = (dag: Dag, route: Route): string => {
  const cluster = dag.clusters.find((candidate) => candidate.name === clusterNameOf(route));
  assert.ok(cluster, 'the route’s cluster is in the DAG');
  return `${cluster.service.namespace}/${cluster.service.name}:${cluster.service.port}`;
};

describe('processIngresses: rules and backends', () => {
  it('puts the default backend on "*" and rules on their hosts', () => {
    const { dag, diagnostics } = buildIngresses([
      service('default', 'fallback'),
      service('default', 'web'),
      ingress('default', 'site', {
        defaultBackend: backend('fallback', 80),
        rules: [rule('example.com', [['/app', 'Prefix', backend('web', 80)]])],
      }),
    ]);
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(
      dag.httpVirtualHosts.map((host) => host.fqdn),
      ['*', 'example.com'],
    );
    const fallback = hostOf(dag.httpVirtualHosts, '*').routes;
    assert.equal(fallback.length, 1);
    assert.deepEqual(fallback[0].match.path, { kind: 'prefix', value: '/', segment: false });
    assert.equal(serviceOfRoute(dag, fallback[0]), 'default/fallback:80');
    const app = hostOf(dag.httpVirtualHosts, 'example.com').routes;
    assert.deepEqual(app[0].match.path, { kind: 'prefix', value: '/app', segment: true });
    assert.equal(serviceOfRoute(dag, app[0]), 'default/web:80');
    assert.deepEqual(app[0].source, { kind: 'Ingress', namespace: 'default', name: 'site' });
    assert.equal(dag.httpsVirtualHosts.length, 0);
  });

  it('lets a host-less rule for "/" override the default backend', () => {
    const { dag } = buildIngresses([
      service('default', 'fallback'),
      service('default', 'web'),
      ingress('default', 'site', {
        defaultBackend: backend('fallback', 80),
        rules: [rule(undefined, [[undefined, 'ImplementationSpecific', backend('web', 80)]])],
      }),
    ]);
    const routes = hostOf(dag.httpVirtualHosts, '*').routes;
    assert.equal(routes.length, 1);
    assert.equal(serviceOfRoute(dag, routes[0]), 'default/web:80');
    assert.deepEqual(
      dag.clusters.map((cluster) => cluster.service.name),
      ['web'],
    );
  });

  it('resolves Service ports by number and by name to the same cluster', () => {
    const { dag } = buildIngresses([
      service('default', 'web', [
        { name: 'http', port: 80, protocol: 'TCP' },
        { name: 'admin', port: 9000, protocol: 'TCP' },
      ]),
      ingress('default', 'site', {
        rules: [
          rule('a.example.com', [['/', 'Prefix', backend('web', 80)]]),
          rule('b.example.com', [['/', 'Prefix', backend('web', 'http')]]),
          rule('c.example.com', [['/', 'Prefix', backend('web', 'admin')]]),
        ],
      }),
    ]);
    const a = clusterNameOf(hostOf(dag.httpVirtualHosts, 'a.example.com').routes[0]);
    const b = clusterNameOf(hostOf(dag.httpVirtualHosts, 'b.example.com').routes[0]);
    const c = clusterNameOf(hostOf(dag.httpVirtualHosts, 'c.example.com').routes[0]);
    assert.equal(a, b);
    assert.notEqual(a, c);
    assert.match(a, /^default\/web\/80\/[0-9a-f]{10}$/);
    assert.deepEqual(dag.clusters.map((cluster) => cluster.edsName).sort(), [
      'default/web/admin',
      'default/web/http',
    ]);
  });

  it('answers 503 for a missing Service, an unknown port and a resource backend, with diagnostics', () => {
    const { dag, diagnostics } = buildIngresses([
      service('default', 'web'),
      ingress('default', 'site', {
        rules: [
          rule('example.com', [
            ['/missing', 'Prefix', backend('nope', 80)],
            ['/port', 'Prefix', backend('web', 8080)],
            ['/bucket', 'Prefix', { resource: { apiGroup: 'k8s.example.com', kind: 'Bucket', name: 'b' } }],
          ]),
        ],
      }),
    ]);
    const routes = hostOf(dag.httpVirtualHosts, 'example.com').routes;
    assert.equal(routes.length, 3);
    for (const route of routes) assert.deepEqual(route.action, { kind: 'directResponse', statusCode: 503 });
    assert.deepEqual(dag.clusters, []);
    assert.deepEqual(diagnostics.map((diagnostic) => [diagnostic.level, diagnostic.field]).sort(), [
      ['error', 'spec.rules[0].http.paths[0]'],
      ['error', 'spec.rules[0].http.paths[1]'],
      ['error', 'spec.rules[0].http.paths[2]'],
    ]);
    const messageOf = (field: string): string =>
      diagnostics.find((diagnostic) => diagnostic.field === field)?.message ?? '';
    assert.match(messageOf('spec.rules[0].http.paths[0]'), /service "default\/nope" not found/);
    assert.match(
      messageOf('spec.rules[0].http.paths[1]'),
      /port "8080" on service "default\/web" not matched/,
    );
    assert.match(messageOf('spec.rules[0].http.paths[2]'), /resource backends are not supported/);
  });

  it('serves ExternalName Services only when enabled', () => {
    const external = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { namespace: 'default', name: 'ext' },
      spec: {
        type: 'ExternalName',
        externalName: 'upstream.example.org',
        ports: [{ port: 443, protocol: 'TCP' }],
      },
    };
    const site = ingress('default', 'site', {
      rules: [rule('example.com', [['/', 'Prefix', backend('ext', 443)]])],
    });
    const disabled = buildIngresses([external, site]);
    assert.deepEqual(disabled.dag.httpVirtualHosts[0].routes[0].action, {
      kind: 'directResponse',
      statusCode: 503,
    });
    assert.match(disabled.diagnostics[0].message, /ExternalName service, these are not currently enabled/);
    const enabled = buildIngresses([external, site], { enableExternalNameService: true });
    assert.deepEqual(enabled.diagnostics, []);
    assert.equal(enabled.dag.clusters[0].externalName, 'upstream.example.org');
  });

  it('takes the upstream protocol from the Service annotations', () => {
    const { dag } = buildIngresses([
      service('default', 'grpc', [{ name: 'grpc', port: 50051, protocol: 'TCP' }], {
        'projectcontour.io/upstream-protocol.h2c': 'grpc',
      }),
      ingress('default', 'site', { rules: [rule('example.com', [['/', 'Prefix', backend('grpc', 50051)]])] }),
    ]);
    assert.equal(dag.clusters.length, 1);
    assert.equal(dag.clusters[0].protocol, 'h2c');
  });

  it('adds an :authority regex for wildcard hosts so they match one DNS label', () => {
    const { dag } = buildIngresses([
      service('default', 'web'),
      ingress('default', 'site', { rules: [rule('*.example.com', [['/', 'Prefix', backend('web', 80)]])] }),
    ]);
    const route = hostOf(dag.httpVirtualHosts, '*.example.com').routes[0];
    assert.deepEqual(route.match.headers, [
      {
        name: ':authority',
        kind: 'regex',
        value: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?\\.example\\.com(:[0-9]+)?',
        invert: false,
        ignoreCase: false,
        treatMissingAsEmpty: false,
      },
    ]);
  });

  it('orders routes most specific first: exact, regex, then longer prefixes', () => {
    const { dag } = buildIngresses([
      service('default', 'web'),
      ingress('default', 'site', {
        rules: [
          rule('example.com', [
            ['/', 'Prefix', backend('web', 80)],
            ['/api', 'Prefix', backend('web', 80)],
            ['/api/v[0-9]+', 'ImplementationSpecific', backend('web', 80)],
            ['/healthz', 'Exact', backend('web', 80)],
          ]),
        ],
      }),
    ]);
    assert.deepEqual(
      hostOf(dag.httpVirtualHosts, 'example.com').routes.map((route) => [
        route.match.path.kind,
        route.match.path.value,
      ]),
      [
        ['exact', '/healthz'],
        ['regex', '/api/v[0-9]+'],
        ['prefix', '/api'],
        ['prefix', '/'],
      ],
    );
  });

  it('skips invalid paths and hosts with a diagnostic and keeps the rest', () => {
    const { dag, diagnostics } = buildIngresses([
      service('default', 'web'),
      ingress('default', 'site', {
        rules: [
          rule('example.com', [
            ['/bad[', 'ImplementationSpecific', backend('web', 80)],
            ['/good', 'Prefix', backend('web', 80)],
          ]),
          rule('Bad_Host', [['/', 'Prefix', backend('web', 80)]]),
        ],
      }),
    ]);
    assert.deepEqual(
      dag.httpVirtualHosts.map((host) => [host.fqdn, host.routes.map((route) => route.match.path.value)]),
      [['example.com', ['/good']]],
    );
    assert.deepEqual(diagnostics.map((diagnostic) => diagnostic.field).sort(), [
      'spec.rules[0].http.paths[0]',
      'spec.rules[1].http.paths[0]',
    ]);
  });

  it('never throws on malformed objects', () => {
    const malformed = [
      { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { namespace: 'x', name: 'no-spec' } },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { namespace: 'x', name: 'junk', annotations: { 'projectcontour.io/num-retries': 'x' } },
        spec: {
          rules: [null, 7, { host: 5, http: { paths: [null, { backend: 'web' }, { path: 3 }] } }],
          tls: 'yes',
        },
      },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { namespace: 'x', name: 'tls-junk' },
        spec: { tls: [null, { hosts: [1, 'a.example.com'] }, { hosts: 'a', secretName: 'missing' }] },
      },
    ];
    const { dag, diagnostics } = buildIngresses(malformed);
    // The two paths with objects become 503 routes on "*"; nothing else is served.
    assert.deepEqual(
      dag.httpVirtualHosts.map((host) => [host.fqdn, host.routes.length]),
      [['*', 1]],
    );
    assert.ok(diagnostics.length >= 3);
    assert.ok(diagnostics.every((diagnostic) => diagnostic.ingress.namespace === 'x'));
  });
});

describe('processIngresses: annotations on routes', () => {
  it('applies websocket-routes, response-timeout and retries to matching paths', () => {
    const { dag } = buildIngresses([
      service('default', 'web'),
      ingress(
        'default',
        'site',
        {
          rules: [
            rule('example.com', [
              ['/ws', 'Prefix', backend('web', 80)],
              ['/plain', 'Prefix', backend('web', 80)],
            ]),
          ],
        },
        {
          'projectcontour.io/websocket-routes': '/ws',
          'projectcontour.io/response-timeout': '30s',
          'projectcontour.io/retry-on': 'gateway-error',
          'projectcontour.io/num-retries': '-1',
        },
      ),
    ]);
    const routes = hostOf(dag.httpVirtualHosts, 'example.com').routes;
    const byPath = new Map(routes.map((route) => [route.match.path.value, route]));
    assert.equal(byPath.get('/ws')?.websocket, true);
    assert.equal(byPath.get('/plain')?.websocket, false);
    for (const route of routes) {
      assert.deepEqual(route.timeout, { responseMs: 30_000 });
      assert.deepEqual(route.retry, { retryOn: ['gateway-error'], numRetries: 0, retriableStatusCodes: [] });
    }
  });

  it('reports unparsable annotations as warnings and uses the defaults', () => {
    const { dag, diagnostics } = buildIngresses([
      service('default', 'web'),
      ingress(
        'default',
        'site',
        { rules: [rule('example.com', [['/', 'Prefix', backend('web', 80)]])] },
        { 'projectcontour.io/response-timeout': 'later' },
      ),
    ]);
    assert.equal(dag.httpVirtualHosts[0].routes[0].timeout, undefined);
    assert.deepEqual(
      diagnostics.map((diagnostic) => [diagnostic.level, diagnostic.reason]),
      [['warning', 'AnnotationNotValid']],
    );
  });
});

describe('processIngresses: ingress class', () => {
  const classed = (name: string, annotations?: Record<string, string>, ingressClassName?: string) =>
    ingress(
      'default',
      name,
      {
        ...(ingressClassName !== undefined ? { ingressClassName } : {}),
        rules: [rule(`${name}.example.com`, [['/', 'Prefix', backend('web', 80)]])],
      },
      annotations,
    );
  const objects = [
    service('default', 'web'),
    classed('none'),
    classed('contour-annotation', { 'kubernetes.io/ingress.class': 'contour' }),
    classed('contour-spec', undefined, 'contour'),
    classed('nginx-annotation', { 'kubernetes.io/ingress.class': 'nginx' }),
    classed('nginx-spec', undefined, 'nginx'),
    // The annotation wins over the spec field.
    classed('annotation-wins', { 'kubernetes.io/ingress.class': 'nginx' }, 'contour'),
    classed('contour-own-annotation', { 'projectcontour.io/ingress.class': 'internal' }, 'nginx'),
  ];
  const served = (classNames: string[]): string[] =>
    buildIngresses(objects, { ingressClassNames: classNames }).dag.httpVirtualHosts.map(
      (host) => host.fqdn.split('.')[0],
    );

  it('serves unclassed and "contour" Ingresses by default', () => {
    assert.deepEqual(served([]), ['contour-annotation', 'contour-spec', 'none']);
  });

  it('serves only the configured classes when set', () => {
    assert.deepEqual(served(['nginx']), ['annotation-wins', 'nginx-annotation', 'nginx-spec']);
    assert.deepEqual(served(['internal', 'contour']), [
      'contour-annotation',
      'contour-own-annotation',
      'contour-spec',
    ]);
  });
});

describe('processIngresses: status entries', () => {
  it('gives every served Ingress a status entry (for /debug/status), valid unless it has errors', () => {
    const { statuses } = buildIngresses([
      service('default', 'web'),
      ingress('default', 'good', { rules: [rule('a.example.com', [['/', 'Prefix', backend('web', 80)]])] }),
      ingress('default', 'bad', { rules: [rule('b.example.com', [['/', 'Prefix', backend('gone', 80)]])] }),
      ingress(
        'default',
        'ignored',
        { rules: [rule('c.example.com', [['/', 'Prefix', backend('gone', 80)]])] },
        { 'kubernetes.io/ingress.class': 'nginx' },
      ),
    ]);
    assert.deepEqual(
      statuses.map((status) => [
        status.kind,
        status.name,
        status.conditions[0].status,
        status.conditions[0].reason,
      ]),
      [
        ['Ingress', 'bad', 'False', 'ErrorPresent'],
        ['Ingress', 'good', 'True', 'Valid'],
      ],
    );
    assert.equal(statuses[1].currentStatus, undefined);
    assert.deepEqual(
      statuses[0].conditions[0].errors?.map((error) => [error.type, error.reason]),
      [['ServiceError', 'ServiceUnresolvedReference']],
    );
  });
});
