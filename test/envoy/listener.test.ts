import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { translate, defaultTranslateOptions } from '../../src/assemble/translate.js';
import { createStore } from '../../src/store/store.js';
import type { Dag } from '../../src/dag/types.js';
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

const backend = cluster('web');
const listenersOf = (dag: Dag, options = defaultTranslateOptions) =>
  translate(dag, createStore(), options).listeners.map(json);
const named = (listeners: ReturnType<typeof listenersOf>, name: string) => {
  const found = listeners.find((listener) => listener.name === name);
  assert.ok(found, `listener ${name} present`);
  return found;
};

describe('ingress_http listener', () => {
  it('is absent without virtual hosts; stats-health and envoy-admin are always there', () => {
    const names = listenersOf(emptyDag()).map((listener) => listener.name);
    assert.deepEqual(names, ['envoy-admin', 'stats-health']);
  });

  it('listens on 0.0.0.0:8080 with an HTTP connection manager reading ingress_http over ADS', () => {
    const dag = {
      ...emptyDag(),
      httpVirtualHosts: [virtualHost('a.example.com', [route(prefixMatch('/'), forward(backend))])],
      clusters: [backend],
    };
    const listener = named(listenersOf(dag), 'ingress_http');
    assert.deepEqual(at(listener, 'address', 'socket_address'), { address: '0.0.0.0', port_value: 8080 });
    const chains = at(listener, 'filter_chains') as unknown[];
    assert.equal(chains.length, 1);
    const manager = at(listener, 'filter_chains', 0, 'filters', 0);
    assert.equal(at(manager, 'name'), 'envoy.filters.network.http_connection_manager');
    const config = at(manager, 'typed_config');
    assert.equal(at(config, 'stat_prefix'), 'ingress_http');
    assert.deepEqual(at(config, 'rds'), {
      config_source: { ads: {}, resource_api_version: 'V3' },
      route_config_name: 'ingress_http',
    });
    assert.equal(at(config, 'use_remote_address'), true);
    assert.equal(at(config, 'normalize_path'), true);
    assert.equal(at(config, 'merge_slashes'), true);
    assert.equal(at(config, 'preserve_external_request_id'), true);
    assert.deepEqual(at(config, 'http_protocol_options'), {
      accept_http_10: true,
      allow_chunked_length: true,
    });
    assert.deepEqual(at(config, 'access_log', 0), {
      name: 'envoy.access_loggers.file',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog',
        path: '/dev/stdout',
      },
    });
    const filters = (at(config, 'http_filters') as { name: string }[]).map((filter) => filter.name);
    assert.deepEqual(filters, [
      'envoy.filters.http.compressor',
      'envoy.filters.http.grpc_web',
      'envoy.filters.http.grpc_stats',
      'envoy.filters.http.cors',
      'envoy.filters.http.local_ratelimit',
      'envoy.filters.http.lua',
      'envoy.filters.http.rbac',
      'router',
    ]);
    assert.equal(
      at(config, 'http_filters', 0, 'typed_config', 'compressor_library', 'typed_config', '@type'),
      'type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip',
    );
    assert.equal(at(listener, 'socket_options', 0, 'description'), 'Enable TCP keep-alive');
  });

  it('honours listener options: address, port, access log, merge slashes, timeouts', () => {
    const dag = {
      ...emptyDag(),
      httpVirtualHosts: [virtualHost('a.example.com', [route(prefixMatch('/'), forward(backend))])],
      clusters: [backend],
    };
    const listener = named(
      listenersOf(dag, {
        ...defaultTranslateOptions,
        httpAddress: '::',
        httpPort: 9080,
        httpAccessLog: '',
        mergeSlashes: false,
        requestTimeoutMs: 0,
        streamIdleTimeoutMs: 1500,
      }),
      'ingress_http',
    );
    assert.deepEqual(at(listener, 'address', 'socket_address'), {
      address: '::',
      ipv4_compat: true,
      port_value: 9080,
    });
    const config = at(listener, 'filter_chains', 0, 'filters', 0, 'typed_config') as Record<string, unknown>;
    assert.equal(config.access_log, undefined);
    assert.equal(config.merge_slashes, undefined);
    assert.equal(config.request_timeout, '0s');
    assert.equal(config.stream_idle_timeout, '1.500s');
  });
});

describe('ingress_https listener', () => {
  const hosts = [
    secureVirtualHost('b.example.com', [route(prefixMatch('/'), forward(backend))]),
    secureVirtualHost('a.example.com', [route(prefixMatch('/'), forward(backend))], { minTlsVersion: '1.3' }),
  ];
  const dag: Dag = {
    ...emptyDag(),
    httpsVirtualHosts: hosts,
    clusters: [backend],
    secrets: hosts.map((host) => tlsSecret(host.secret!)),
  };

  it('has a TLS inspector and one filter chain per SNI, sorted by server name', () => {
    const listener = named(listenersOf(dag), 'ingress_https');
    assert.deepEqual(at(listener, 'address', 'socket_address'), { address: '0.0.0.0', port_value: 8443 });
    assert.equal(at(listener, 'listener_filters', 0, 'name'), 'envoy.filters.listener.tls_inspector');
    const chains = at(listener, 'filter_chains') as unknown[];
    assert.deepEqual(
      chains.map((chain) => at(chain as never, 'filter_chain_match', 'server_names')),
      [['a.example.com'], ['b.example.com']],
    );
  });

  it('terminates TLS with the SDS secret, h2+http/1.1 ALPN and clamped TLS versions', () => {
    const listener = named(listenersOf(dag), 'ingress_https');
    const socket = at(listener, 'filter_chains', 0, 'transport_socket');
    assert.equal(at(socket, 'name'), 'envoy.transport_sockets.tls');
    const common = at(socket, 'typed_config', 'common_tls_context');
    assert.deepEqual(at(common, 'tls_certificate_sds_secret_configs'), [
      { name: 'default/a.example.com-tls/0123456789', sds_config: { ads: {}, resource_api_version: 'V3' } },
    ]);
    assert.deepEqual(at(common, 'alpn_protocols'), ['h2', 'http/1.1']);
    assert.equal(at(common, 'tls_params', 'tls_minimum_protocol_version'), 'TLSv1_3');
    assert.equal(at(common, 'tls_params', 'tls_maximum_protocol_version'), 'TLSv1_3');
    const second = at(
      listener,
      'filter_chains',
      1,
      'transport_socket',
      'typed_config',
      'common_tls_context',
      'tls_params',
    );
    assert.equal(at(second, 'tls_minimum_protocol_version'), 'TLSv1_2');
    assert.equal((at(second, 'cipher_suites') as string[]).length, 4);
  });

  it('routes each SNI to its own route configuration, misdirected-request filter first', () => {
    const listener = named(listenersOf(dag), 'ingress_https');
    const config = at(listener, 'filter_chains', 1, 'filters', 0, 'typed_config');
    assert.equal(at(config, 'rds', 'route_config_name'), 'https/b.example.com');
    assert.equal(at(config, 'stat_prefix'), 'ingress_https');
    const filters = at(config, 'http_filters') as { name: string }[];
    assert.equal(filters[0].name, 'envoy.filters.http.lua');
    assert.match(at(filters[0], 'typed_config', 'default_source_code', 'inline_string') as string, /421/);
    assert.equal(filters.at(-1)?.name, 'router');
  });

  it('passes TLS through with a tcp_proxy chain and no transport socket', () => {
    const passthrough = secureVirtualHost('db.example.com', [], {
      secret: undefined,
      tcpProxy: { passthrough: true, clusters: [{ cluster: backend.name, weight: 1 }] },
    });
    const listener = named(
      listenersOf({ ...emptyDag(), httpsVirtualHosts: [passthrough], clusters: [backend] }),
      'ingress_https',
    );
    const chain = at(listener, 'filter_chains', 0) as Record<string, unknown>;
    assert.equal(chain.transport_socket, undefined);
    assert.deepEqual(at(chain as never, 'filter_chain_match'), { server_names: ['db.example.com'] });
    const proxy = at(chain as never, 'filters', 0);
    assert.equal(at(proxy, 'name'), 'envoy.filters.network.tcp_proxy');
    assert.equal(at(proxy, 'typed_config', 'cluster'), backend.name);
    assert.equal(at(proxy, 'typed_config', 'stat_prefix'), 'ingress_https');
    assert.equal(at(proxy, 'typed_config', 'idle_timeout'), '9001s');
  });

  it('proxies TCP after termination with weighted clusters (zero weights dropped) and no ALPN', () => {
    const other = cluster('other');
    const terminated = secureVirtualHost('tcp.example.com', [], {
      tcpProxy: {
        passthrough: false,
        clusters: [
          { cluster: other.name, weight: 3 },
          { cluster: backend.name, weight: 1 },
          { cluster: cluster('zero').name, weight: 0 },
        ],
      },
    });
    const listener = named(
      listenersOf({
        ...emptyDag(),
        httpsVirtualHosts: [terminated],
        clusters: [backend, other],
        secrets: [tlsSecret(terminated.secret!)],
      }),
      'ingress_https',
    );
    const chain = at(listener, 'filter_chains', 0);
    assert.equal(at(chain, 'transport_socket', 'name'), 'envoy.transport_sockets.tls');
    const common = at(chain, 'transport_socket', 'typed_config', 'common_tls_context') as Record<
      string,
      unknown
    >;
    assert.equal(common.alpn_protocols, undefined);
    assert.deepEqual(at(chain, 'filters', 0, 'typed_config', 'weighted_clusters', 'clusters'), [
      { name: 'default/other/80/da39a3ee5e', weight: 3 },
      { name: 'default/web/80/da39a3ee5e', weight: 1 },
    ]);
  });

  it('matches any TLS connection for the "*" host', () => {
    const listener = named(
      listenersOf({
        ...emptyDag(),
        httpsVirtualHosts: [secureVirtualHost('*', [route(prefixMatch('/'), forward(backend))])],
        secrets: [tlsSecret(secureVirtualHost('*', []).secret!)],
      }),
      'ingress_https',
    );
    assert.deepEqual(at(listener, 'filter_chains', 0, 'filter_chain_match'), { transport_protocol: 'tls' });
  });

  it('leaves out a TLS host whose certificate secret is not in the DAG (it would stall the listener)', () => {
    const listener = named(
      listenersOf({
        ...emptyDag(),
        httpsVirtualHosts: [
          secureVirtualHost('ok.example.com', [route(prefixMatch('/'), forward(backend))]),
          secureVirtualHost('orphan.example.com', [route(prefixMatch('/'), forward(backend))]),
        ],
        clusters: [backend],
        secrets: [tlsSecret('default/ok.example.com-tls/0123456789')],
      }),
      'ingress_https',
    );
    assert.deepEqual(
      (at(listener, 'filter_chains') as unknown[]).map((chain) =>
        at(chain as never, 'filter_chain_match', 'server_names', 0),
      ),
      ['ok.example.com'],
    );
  });

  it('is absent when TLS hosts have neither a certificate nor passthrough', () => {
    const invalid = secureVirtualHost('x.example.com', [route(prefixMatch('/'), forward(backend))], {
      secret: undefined,
    });
    const names = listenersOf({ ...emptyDag(), httpsVirtualHosts: [invalid] }).map(
      (listener) => listener.name,
    );
    assert.ok(!names.includes('ingress_https'));
  });
});

describe('stats-health listener', () => {
  it('serves /ready and /stats from the admin cluster on :8002, GET only', () => {
    const listener = named(listenersOf(emptyDag()), 'stats-health');
    assert.deepEqual(at(listener, 'address', 'socket_address'), { address: '0.0.0.0', port_value: 8002 });
    assert.equal(at(listener, 'ignore_global_conn_limit'), true);
    const config = at(listener, 'filter_chains', 0, 'filters', 0, 'typed_config');
    assert.equal(at(config, 'stat_prefix'), 'stats');
    const routes = at(config, 'route_config', 'virtual_hosts', 0, 'routes') as unknown[];
    assert.deepEqual(
      routes.map((r) => at(r as never, 'match', 'path')),
      ['/ready', '/stats', '/stats/prometheus'],
    );
    for (const r of routes) {
      assert.equal(at(r as never, 'route', 'cluster'), 'envoy-admin');
      assert.equal(at(r as never, 'match', 'headers', 0, 'string_match', 'exact'), 'GET');
    }
  });

  it('splits into stats and health listeners when the health endpoint has its own port', () => {
    const listeners = listenersOf(emptyDag(), { ...defaultTranslateOptions, healthPort: 8000, adminPort: 0 });
    assert.deepEqual(
      listeners.map((listener) => listener.name),
      ['health', 'stats'],
    );
    const paths = (listener: (typeof listeners)[number]) =>
      (
        at(
          listener,
          'filter_chains',
          0,
          'filters',
          0,
          'typed_config',
          'route_config',
          'virtual_hosts',
          0,
          'routes',
        ) as unknown[]
      ).map((r) => at(r as never, 'match', 'path'));
    assert.deepEqual(paths(listeners[0]), ['/ready']);
    assert.deepEqual(at(listeners[0], 'address', 'socket_address'), { address: '0.0.0.0', port_value: 8000 });
    assert.deepEqual(paths(listeners[1]), ['/stats', '/stats/prometheus']);
  });

  it('moves with the stats options; the admin listener can be turned off', () => {
    const listeners = listenersOf(emptyDag(), {
      ...defaultTranslateOptions,
      statsAddress: '127.0.0.1',
      statsPort: 18002,
      adminPort: 0,
    });
    assert.deepEqual(
      listeners.map((listener) => listener.name),
      ['stats-health'],
    );
    assert.deepEqual(at(listeners[0], 'address', 'socket_address'), {
      address: '127.0.0.1',
      port_value: 18002,
    });
  });
});
