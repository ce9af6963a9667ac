import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { translate, defaultTranslateOptions } from '../../src/assemble/translate.js';
import { envoyRoute } from '../../src/envoy/route.js';
import { virtualHostName } from '../../src/envoy/names.js';
import { createStore } from '../../src/store/store.js';
import type { HeaderMatch, Route, RouteMatch } from '../../src/dag/types.js';
import {
  at,
  cluster,
  emptyDag,
  forward,
  json,
  prefixMatch,
  route,
  secureVirtualHost,
  tlsSecret,
  virtualHost,
} from './fixtures.js';

const web = cluster('web');
const api = cluster('api', 8080);
const plain = { secure: false };
const routeJson = (r: Route, context: Parameters<typeof envoyRoute>[1] = plain) =>
  json(envoyRoute(r, context));
const matchJson = (match: RouteMatch) => at(routeJson(route(match, forward(web))), 'match');
const header = (extra: Partial<HeaderMatch>): HeaderMatch => ({
  name: 'x-user',
  kind: 'exact',
  value: 'alice',
  invert: false,
  ignoreCase: false,
  treatMissingAsEmpty: false,
  ...extra,
});

describe('route matches', () => {
  it('segment prefixes use path_separated_prefix without the trailing slash', () => {
    assert.deepEqual(matchJson(prefixMatch('/api/')), { path_separated_prefix: '/api' });
  });
  it('"/" and string prefixes stay plain prefixes', () => {
    assert.deepEqual(matchJson(prefixMatch('/')), { prefix: '/' });
    assert.deepEqual(matchJson(prefixMatch('/api', false)), { prefix: '/api' });
  });
  it('exact paths and anchored regexes', () => {
    assert.deepEqual(matchJson({ path: { kind: 'exact', value: '/login' }, headers: [], queryParams: [] }), {
      path: '/login',
    });
    assert.deepEqual(
      matchJson({ path: { kind: 'regex', value: '/v[0-9]+/.*' }, headers: [], queryParams: [] }),
      {
        safe_regex: { regex: '^/v[0-9]+/.*' },
      },
    );
  });
  it('header matches: exact, contains, regex, present, inverted with treat-missing-as-empty', () => {
    const match = matchJson({
      ...prefixMatch('/'),
      headers: [
        header({ ignoreCase: true }),
        header({ kind: 'contains', value: 'bot', invert: true, treatMissingAsEmpty: true }),
        header({ kind: 'regex', value: 'a.*' }),
        header({ kind: 'present', value: undefined }),
        header({ kind: 'present', value: undefined, invert: true, treatMissingAsEmpty: false }),
      ],
    });
    assert.deepEqual(at(match, 'headers'), [
      { name: 'x-user', string_match: { exact: 'alice', ignore_case: true } },
      {
        invert_match: true,
        name: 'x-user',
        string_match: { contains: 'bot' },
        treat_missing_header_as_empty: true,
      },
      { name: 'x-user', string_match: { safe_regex: { regex: 'a.*' } } },
      { name: 'x-user', present_match: true },
      { invert_match: true, name: 'x-user', present_match: true },
    ]);
  });
  it('query parameter matches of every kind', () => {
    const kinds = ['exact', 'prefix', 'suffix', 'contains', 'regex'] as const;
    const match = matchJson({
      ...prefixMatch('/'),
      queryParams: [
        ...kinds.map((kind) => ({ name: 'q', kind, value: 'v', ignoreCase: true })),
        { name: 'debug', kind: 'present' as const, ignoreCase: false },
      ],
    });
    assert.deepEqual(at(match, 'query_parameters'), [
      { name: 'q', string_match: { exact: 'v', ignore_case: true } },
      { name: 'q', string_match: { ignore_case: true, prefix: 'v' } },
      { name: 'q', string_match: { ignore_case: true, suffix: 'v' } },
      { name: 'q', string_match: { contains: 'v', ignore_case: true } },
      { name: 'q', string_match: { safe_regex: { regex: 'v' } } },
      { name: 'debug', present_match: true },
    ]);
  });
});

describe('route actions', () => {
  it('one plain backend is a cluster action', () => {
    assert.deepEqual(at(routeJson(route(prefixMatch('/'), forward(web))), 'route'), { cluster: web.name });
  });
  it('several backends are weighted clusters sorted by name, without total_weight', () => {
    const r = route(prefixMatch('/'), {
      kind: 'cluster',
      clusters: [
        { cluster: web.name, weight: 80 },
        { cluster: api.name, weight: 20 },
      ],
    });
    assert.deepEqual(at(routeJson(r), 'route', 'weighted_clusters'), {
      clusters: [
        { name: api.name, weight: 20 },
        { name: web.name, weight: 80 },
      ],
    });
  });
  it('all-zero weights share evenly', () => {
    const r = route(prefixMatch('/'), forward(web, api));
    const clusters = at(routeJson(r), 'route', 'weighted_clusters', 'clusters') as { weight: number }[];
    assert.deepEqual(
      clusters.map((c) => c.weight),
      [1, 1],
    );
  });
  it('per-backend header changes force weighted clusters carrying them', () => {
    const r = route(prefixMatch('/'), {
      kind: 'cluster',
      clusters: [
        {
          cluster: web.name,
          weight: 1,
          requestHeaders: {
            set: [
              { name: 'x-b', value: '2' },
              { name: 'x-a', value: '1' },
            ],
            remove: ['x-gone'],
            hostRewrite: 'internal',
          },
          responseHeaders: { set: [], remove: ['server'] },
        },
      ],
    });
    assert.deepEqual(at(routeJson(r), 'route', 'weighted_clusters', 'clusters', 0), {
      host_rewrite_literal: 'internal',
      name: web.name,
      request_headers_to_add: [
        { append_action: 'OVERWRITE_IF_EXISTS_OR_ADD', header: { key: 'x-a', value: '1' } },
        { append_action: 'OVERWRITE_IF_EXISTS_OR_ADD', header: { key: 'x-b', value: '2' } },
      ],
      request_headers_to_remove: ['x-gone'],
      response_headers_to_remove: ['server'],
      weight: 1,
    });
  });
  it('redirects with scheme, host, port, path and code', () => {
    const r = route(prefixMatch('/old'), {
      kind: 'redirect',
      scheme: 'https',
      hostname: 'new.example.com',
      port: 8443,
      path: '/new',
      statusCode: 302,
    });
    assert.deepEqual(at(routeJson(r), 'redirect'), {
      host_redirect: 'new.example.com',
      path_redirect: '/new',
      port_redirect: 8443,
      response_code: 'FOUND',
      scheme_redirect: 'https',
    });
    const prefix = route(prefixMatch('/old'), { kind: 'redirect', prefix: '/new', statusCode: 301 });
    assert.deepEqual(at(routeJson(prefix), 'redirect'), { prefix_rewrite: '/new' });
  });
  it('direct responses (503 for missing services, 502 for missing includes)', () => {
    assert.deepEqual(
      at(routeJson(route(prefixMatch('/'), { kind: 'directResponse', statusCode: 503 })), 'direct_response'),
      {
        status: 503,
      },
    );
    assert.deepEqual(
      at(
        routeJson(route(prefixMatch('/'), { kind: 'directResponse', statusCode: 502, body: 'bad gateway' })),
        'direct_response',
      ),
      { body: { inline_string: 'bad gateway' }, status: 502 },
    );
  });
  it('a route with no backend at all answers 503', () => {
    assert.deepEqual(
      at(routeJson(route(prefixMatch('/'), { kind: 'cluster', clusters: [] })), 'direct_response'),
      { status: 503 },
    );
  });
  it('httpsRedirect answers 301 to https on the plaintext listener only', () => {
    const r = route(prefixMatch('/'), forward(web), { httpsRedirect: true });
    assert.deepEqual(at(routeJson(r), 'redirect'), { https_redirect: true });
    assert.deepEqual(at(routeJson(r, { secure: true }), 'route'), { cluster: web.name });
  });
});

describe('route policies', () => {
  it('timeouts: 0 disables, absent leaves Envoy defaults', () => {
    const r = route(prefixMatch('/'), forward(web), { timeout: { responseMs: 0, idleMs: 90_000 } });
    assert.equal(at(routeJson(r), 'route', 'timeout'), '0s');
    assert.equal(at(routeJson(r), 'route', 'idle_timeout'), '90s');
    const defaults = at(routeJson(route(prefixMatch('/'), forward(web), { timeout: {} })), 'route') as Record<
      string,
      unknown
    >;
    assert.equal(defaults.timeout, undefined);
    assert.equal(defaults.idle_timeout, undefined);
  });
  it('retry policy', () => {
    const r = route(prefixMatch('/'), forward(web), {
      retry: {
        retryOn: ['5xx', 'retriable-status-codes'],
        numRetries: 3,
        perTryTimeoutMs: 250,
        retriableStatusCodes: [503, 504],
      },
    });
    assert.deepEqual(at(routeJson(r), 'route', 'retry_policy'), {
      num_retries: 3,
      per_try_timeout: '0.250s',
      retriable_status_codes: [503, 504],
      retry_on: '5xx,retriable-status-codes',
    });
  });
  it('request and response headers, host rewrite, prefix rewrite, websocket, mirrors', () => {
    const mirror = cluster('shadow');
    const r = route(prefixMatch('/app'), forward(web), {
      requestHeaders: {
        set: [{ name: 'x-env', value: 'prod' }],
        remove: ['x-debug'],
        hostRewrite: 'web.internal',
      },
      responseHeaders: { set: [{ name: 'x-served-by', value: 'envoy' }], remove: [] },
      prefixRewrite: '/',
      websocket: true,
      mirrors: [{ cluster: mirror.name, weight: 10 }],
    });
    const translated = routeJson(r);
    assert.deepEqual(at(translated, 'request_headers_to_add'), [
      { append_action: 'OVERWRITE_IF_EXISTS_OR_ADD', header: { key: 'x-env', value: 'prod' } },
    ]);
    assert.deepEqual(at(translated, 'request_headers_to_remove'), ['x-debug']);
    assert.deepEqual(at(translated, 'response_headers_to_add'), [
      { append_action: 'OVERWRITE_IF_EXISTS_OR_ADD', header: { key: 'x-served-by', value: 'envoy' } },
    ]);
    assert.equal(at(translated, 'route', 'host_rewrite_literal'), 'web.internal');
    assert.equal(at(translated, 'route', 'prefix_rewrite'), '/');
    assert.deepEqual(at(translated, 'route', 'upgrade_configs'), [{ upgrade_type: 'websocket' }]);
    assert.deepEqual(at(translated, 'route', 'request_mirror_policies'), [
      // HUNDRED is the enum's zero value, so JSON omits it.
      { cluster: mirror.name, runtime_fraction: { default_value: { numerator: 10 } } },
    ]);
  });
  it('host rewrite from a request header', () => {
    const r = route(prefixMatch('/'), forward(web), {
      requestHeaders: { set: [], remove: [], hostRewriteHeader: 'x-target-host' },
    });
    assert.equal(at(routeJson(r), 'route', 'host_rewrite_header'), 'x-target-host');
  });
  it("cookie load balancing adds Contour's session affinity hash policy", () => {
    const sticky = cluster('sticky', 80, { loadBalancerPolicy: 'Cookie' });
    const translated = routeJson(route(prefixMatch('/'), forward(sticky)), {
      secure: false,
      clusters: new Map([[sticky.name, sticky]]),
    });
    assert.deepEqual(at(translated, 'route', 'hash_policy'), [
      { cookie: { name: 'X-Contour-Session-Affinity', path: '/', ttl: '0s' } },
    ]);
  });
  it('source metadata is opt-in', () => {
    const r = route(prefixMatch('/'), forward(web));
    assert.equal((routeJson(r) as Record<string, unknown>).metadata, undefined);
    assert.deepEqual(at(routeJson(r, { secure: false, routeSourceMetadata: true }), 'metadata'), {
      filter_metadata: {
        'envoy.access_loggers.file': {
          'io.projectcontour.kind': 'HTTPProxy',
          'io.projectcontour.name': 'proxy',
          'io.projectcontour.namespace': 'default',
        },
      },
    });
  });
});

describe('route configurations', () => {
  const routes = (dag: ReturnType<typeof emptyDag>) =>
    translate(dag, createStore(), defaultTranslateOptions).routes.map(json);

  it('ingress_http always exists, even empty', () => {
    const configs = routes(emptyDag());
    assert.equal(configs.length, 1);
    assert.equal(configs[0].name, 'ingress_http');
    assert.equal(configs[0].ignore_port_in_host_matching, true);
    assert.deepEqual(at(configs[0], 'request_headers_to_add'), [
      // APPEND_IF_EXISTS_OR_ADD is the zero value: no append_action in JSON.
      { header: { key: 'x-request-start', value: 't=%START_TIME(%s.%3f)%' } },
    ]);
    assert.equal(configs[0].virtual_hosts, undefined);
  });

  it('one virtual host per fqdn, sorted, routes in DAG order; hosts without routes left out', () => {
    const dag = {
      ...emptyDag(),
      httpVirtualHosts: [
        virtualHost('b.example.com', [
          route(prefixMatch('/b'), forward(web)),
          route(prefixMatch('/'), forward(api)),
        ]),
        virtualHost('a.example.com', [route(prefixMatch('/'), forward(web))]),
        virtualHost('empty.example.com', []),
      ],
      clusters: [api, web],
    };
    const [config] = routes(dag);
    const hosts = at(config, 'virtual_hosts') as Record<string, unknown>[];
    assert.deepEqual(
      hosts.map((h) => h.name),
      ['a.example.com', 'b.example.com'],
    );
    assert.deepEqual(hosts[1].domains, ['b.example.com']);
    assert.deepEqual(
      (hosts[1].routes as unknown[]).map((r) => at(r as never, 'match')),
      [{ path_separated_prefix: '/b' }, { prefix: '/' }],
    );
  });

  it('https/<fqdn> per terminated TLS host, none for passthrough', () => {
    const dag = {
      ...emptyDag(),
      httpsVirtualHosts: [
        secureVirtualHost('secure.example.com', [route(prefixMatch('/'), forward(web))]),
        secureVirtualHost('pass.example.com', [], {
          secret: undefined,
          tcpProxy: { passthrough: true, clusters: [{ cluster: web.name, weight: 1 }] },
        }),
      ],
      clusters: [web],
      secrets: [tlsSecret('default/secure.example.com-tls/0123456789')],
    };
    assert.deepEqual(
      routes(dag).map((c) => c.name),
      ['https/secure.example.com', 'ingress_http'],
    );
  });

  it('long host names are hashed down to 60 characters like Contour', () => {
    const long = `${'a'.repeat(70)}.example.com`;
    const name = virtualHostName(long);
    assert.equal(name.length, 60);
    assert.match(name, /^[0-9a-f]{60}$/);
    assert.equal(virtualHostName('short.example.com'), 'short.example.com');
  });
});
