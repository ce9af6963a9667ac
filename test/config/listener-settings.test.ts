// Contour's listener-side config fields as contour-ts applies them: listener.socket-options,
// listener.max-connections-to-accept-per-socket-event, compression, default-http-versions and
// omEnforcedHealthListener, from the config file and from a ContourConfiguration spec.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServeConfig } from '../../src/cli/config.js';
import { translateOptionsOf } from '../../src/cli/serve-settings.js';
import { settingsFromSpec } from '../../src/config/settings.js';
import { translate } from '../../src/assemble/translate.js';
import { createStore } from '../../src/store/store.js';
import { at, cluster, forward, json, prefixMatch, route, virtualHost } from '../envoy/fixtures.js';
import type { Dag } from '../../src/dag/types.js';
import type { JsonValue } from '@bufbuild/protobuf';
import { configFileParser } from './with-config-file.js';

const withFile = configFileParser('contour-listener-config-');

const web = cluster('web', 80);
const dag: Dag = {
  httpVirtualHosts: [virtualHost('www.example.com', [route(prefixMatch('/'), forward(web))])],
  httpsVirtualHosts: [],
  clusters: [web],
  secrets: [],
};

const listenersOf = (config: ServeConfig) =>
  translate(dag, createStore(), translateOptionsOf(config)).listeners.map(json);

const ingressHttp = (config: ServeConfig) => {
  const listener = listenersOf(config).find((item) => item.name === 'ingress_http')!;
  const manager = at(listener, 'filter_chains', 0, 'filters', 0, 'typed_config') as Record<string, JsonValue>;
  const filters = (manager.http_filters as Record<string, unknown>[]).map((filter) => filter.name);
  return { listener, manager, filters };
};

describe('listener settings from the config file', () => {
  it('sets IP_TOS and IPV6_TCLASS on the ingress listening sockets, after keep-alive', () => {
    const { listener } = ingressHttp(
      withFile('listener:\n  socket-options:\n    tos: 64\n    traffic-class: 32\n'),
    );
    const options = listener.socket_options as Record<string, JsonValue>[];
    assert.equal(options.length, 6);
    assert.deepEqual(options.slice(4), [
      // level 0 (IPPROTO_IP) is proto3's default, so not printed.
      { description: 'Set IPv4 TOS field', name: '1', int_value: '64', state: 'STATE_LISTENING' },
      {
        description: 'Set IPv6 Traffic Class field',
        level: '41',
        name: '67',
        int_value: '32',
        state: 'STATE_LISTENING',
      },
    ]);
  });

  it('leaves 0 (Contour\'s "unset") out, and the stats listener alone', () => {
    const listeners = listenersOf(
      withFile('listener:\n  socket-options:\n    tos: 0\n    traffic-class: 8\n'),
    );
    const http = listeners.find((item) => item.name === 'ingress_http')!;
    assert.deepEqual(
      (http.socket_options as Record<string, unknown>[]).slice(4).map((option) => option.name),
      ['67'],
    );
    const stats = listeners.find((item) => item.name === 'stats-health')!;
    assert.equal((stats.socket_options as unknown[]).length, 4);
  });

  it('sets max_connections_to_accept_per_socket_event on the ingress listeners only', () => {
    const listeners = listenersOf(withFile('listener:\n  max-connections-to-accept-per-socket-event: 4\n'));
    assert.equal(
      listeners.find((item) => item.name === 'ingress_http')!.max_connections_to_accept_per_socket_event,
      4,
    );
    assert.equal(
      listeners.find((item) => item.name === 'stats-health')!.max_connections_to_accept_per_socket_event,
      undefined,
    );
  });

  for (const [algorithm, type] of [
    ['gzip', 'envoy.extensions.compression.gzip.compressor.v3.Gzip'],
    ['brotli', 'envoy.extensions.compression.brotli.compressor.v3.Brotli'],
    ['zstd', 'envoy.extensions.compression.zstd.compressor.v3.Zstd'],
  ] as const) {
    it(`compresses with ${algorithm}`, () => {
      const { manager } = ingressHttp(withFile(`compression:\n  algorithm: ${algorithm}\n`));
      const compressor = at(manager, 'http_filters', 0) as Record<string, JsonValue>;
      assert.equal(compressor.name, 'envoy.filters.http.compressor');
      assert.equal(at(compressor, 'typed_config', 'compressor_library', 'name'), algorithm);
      assert.equal(
        at(compressor, 'typed_config', 'compressor_library', 'typed_config', '@type'),
        `type.googleapis.com/${type}`,
      );
    });
  }

  it('drops the compressor filter when compression is disabled', () => {
    const { filters } = ingressHttp(withFile('compression:\n  algorithm: disabled\n'));
    assert.equal(filters.includes('envoy.filters.http.compressor'), false);
    assert.equal(filters[0], 'envoy.filters.http.grpc_web');
    assert.equal(filters.at(-1), 'router');
  });

  it('fixes the codec when one HTTP version is listed, and detects it otherwise', () => {
    assert.equal(ingressHttp(withFile('default-http-versions: ["HTTP/2"]\n')).manager.codec_type, 'HTTP2');
    assert.equal(ingressHttp(withFile('default-http-versions: ["http/1.1"]\n')).manager.codec_type, 'HTTP1');
    assert.equal(
      ingressHttp(withFile('default-http-versions: ["HTTP/1.1", "HTTP/2"]\n')).manager.codec_type,
      undefined,
      'AUTO (the default, not printed)',
    );
  });

  it('adds the health-om-enforced listener, subject to the global connection limit', () => {
    const listeners = listenersOf(withFile('omEnforcedHealthListener:\n  address: 0.0.0.0\n  port: 8003\n'));
    const om = listeners.find((item) => item.name === 'health-om-enforced');
    assert.ok(om, 'health-om-enforced listener');
    assert.equal(at(om, 'address', 'socket_address', 'port_value'), 8003);
    assert.equal(om.ignore_global_conn_limit, undefined);
    const routes = at(
      om,
      'filter_chains',
      0,
      'filters',
      0,
      'typed_config',
      'route_config',
      'virtual_hosts',
      0,
      'routes',
    ) as Record<string, JsonValue>[];
    assert.deepEqual(
      routes.map((item) => at(item, 'match', 'path')),
      ['/ready'],
    );
    assert.equal(listeners.find((item) => item.name === 'stats-health')!.ignore_global_conn_limit, true);
  });

  it('refuses an omEnforcedHealthListener on the health or metrics port, or without a port', () => {
    assert.throws(
      () => withFile('omEnforcedHealthListener:\n  address: 0.0.0.0\n  port: 8002\n'),
      /omEnforcedHealthListener: cannot use the same port for health checks/,
    );
    assert.throws(
      () => withFile('omEnforcedHealthListener:\n  address: 0.0.0.0\n  port: 9000\n', '--stats-port', '9000'),
      /omEnforcedHealthListener: cannot use the same port/,
    );
    assert.throws(
      () => withFile('omEnforcedHealthListener:\n  address: 0.0.0.0\n'),
      /omEnforcedHealthListener: needs both an address and a port/,
    );
  });
});

describe('listener settings from a ContourConfiguration spec', () => {
  it('maps each field to the translate options', () => {
    const settings = settingsFromSpec(
      {
        envoy: {
          listener: {
            compression: { algorithm: 'zstd' },
            socketOptions: { tos: 16, trafficClass: 0 },
            maxConnectionsToAcceptPerSocketEvent: 2,
          },
          defaultHTTPVersions: ['HTTP/2', 'HTTP/2'],
          omEnforcedHealth: { address: '127.0.0.1', port: 8005 },
        },
      },
      'crd',
    );
    assert.equal(settings.envoy.compression, 'zstd');
    assert.deepEqual(settings.envoy.httpVersions, ['HTTP/2']);
    assert.deepEqual(settings.envoy.omEnforcedHealth, { address: '127.0.0.1', port: 8005 });
    assert.equal(settings.envoy.listenerLimits?.tos, 16);
    assert.equal(settings.envoy.listenerLimits?.maxConnectionsToAcceptPerSocketEvent, 2);
  });
});

describe('runtime settings from the config file (the RTDS layer "dynamic")', () => {
  const layerOf = (config: ServeConfig) => {
    const runtimes = translate(dag, createStore(), translateOptionsOf(config)).runtimes ?? [];
    assert.deepEqual(
      runtimes.map((runtime) => runtime.name),
      ['dynamic'],
    );
    return runtimes[0].layer;
  };

  it('holds only the re2 limits Contour sets, by default', () => {
    assert.deepEqual(layerOf(withFile('')), {
      're2.max_program_size.error_level': 1048576,
      're2.max_program_size.warn_level': 1000,
    });
  });

  it('adds max-requests-per-io-cycle, the connection limit of both ingress listeners, and the user settings', () => {
    const layer = layerOf(
      withFile(`
listener:
  max-requests-per-io-cycle: 8
  max-connections-per-listener: 2000
runtime-settings:
  envoy.reloadable_features.example: "false"
`),
    );
    assert.equal(layer?.['http.max_requests_per_io_cycle'], 8);
    assert.equal(layer?.['envoy.resource_limits.listener.ingress_http.connection_limit'], 2000);
    assert.equal(layer?.['envoy.resource_limits.listener.ingress_https.connection_limit'], 2000);
    assert.equal(layer?.['envoy.reloadable_features.example'], 'false');
  });

  it('refuses a runtime setting of a key contour-ts sets, and only when it sets it', () => {
    assert.throws(
      () => withFile('runtime-settings:\n  re2.max_program_size.error_level: "5"\n'),
      /runtime-settings: "re2\.max_program_size\.error_level" is set by contour-ts itself/,
    );
    const key = 'http.max_requests_per_io_cycle';
    assert.throws(
      () => withFile(`listener:\n  max-requests-per-io-cycle: 4\nruntime-settings:\n  ${key}: "9"\n`),
      /runtime-settings: "http\.max_requests_per_io_cycle" is set by contour-ts itself/,
    );
    assert.equal(layerOf(withFile(`runtime-settings:\n  ${key}: "9"\n`))?.[key], '9');
  });
});
