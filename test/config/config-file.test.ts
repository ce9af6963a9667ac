// Contour's config file (`contour serve --config-path`): Contour's example file loads, every field is either
// applied (its effect on Envoy's configuration checked) or refused by name, and bad input names the field.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { serveConfigFromArgs } from '../../src/cli/commands/serve.js';
import type { ServeConfig } from '../../src/cli/config.js';
import { translateOptionsOf } from '../../src/cli/serve-settings.js';
import { translate } from '../../src/assemble/translate.js';
import { createStore } from '../../src/store/store.js';
import { at, cluster, forward, json, prefixMatch, route, virtualHost } from '../envoy/fixtures.js';
import type { Dag } from '../../src/dag/types.js';
import { configFileParser } from './with-config-file.js';

const withFile = configFileParser('contour-config-');

const exampleConfig = (): string => {
  const manifest = readFileSync(
    new URL('../fixtures/contour/01-contour-config.yaml', import.meta.url),
    'utf8',
  );
  const configMap = parse(manifest) as { data: Record<string, string> };
  return configMap.data['contour.yaml'];
};

const externalName = cluster('ext', 80, { externalName: 'example.org' });
const dag: Dag = {
  httpVirtualHosts: [virtualHost('www.example.com', [route(prefixMatch('/'), forward(externalName))])],
  httpsVirtualHosts: [],
  clusters: [externalName],
  secrets: [],
};

/** Envoy's resources (canonical JSON) for a small DAG under the config's Envoy settings. */
const envoyOf = (config: ServeConfig) => {
  const resources = translate(dag, createStore(), translateOptionsOf(config));
  const listener = json(resources.listeners.find((item) => item.name === 'ingress_http')!);
  const manager = at(listener, 'filter_chains', 0, 'filters', 0, 'typed_config') as Record<string, unknown>;
  return { listener, manager, cluster: json(resources.clusters[0]), resources };
};

describe('contour serve --config-path', () => {
  it("loads Contour's example ConfigMap file and keeps Contour's defaults", () => {
    const config = withFile(exampleConfig());
    assert.equal(config.accessLogFormat, 'envoy');
    assert.equal(config.disablePermitInsecure, false);
    const { manager, cluster: envoyCluster } = envoyOf(config);
    // Contour's file defaults: connection-idle-timeout 60s, connect-timeout 2s.
    assert.deepEqual(manager.common_http_protocol_options, { idle_timeout: '60s' });
    assert.equal(envoyCluster.connect_timeout, '2s');
    assert.equal(manager.merge_slashes, true);
  });

  it('applies the timeouts to the connection manager and the clusters', () => {
    const config = withFile(`
timeouts:
  request-timeout: 30s
  connection-idle-timeout: infinity
  stream-idle-timeout: 5m
  max-connection-duration: 1h
  delayed-close-timeout: 1s
  connection-shutdown-grace-period: 5s
  connect-timeout: 3s
`);
    const { manager, cluster: envoyCluster } = envoyOf(config);
    assert.equal(manager.request_timeout, '30s');
    assert.deepEqual(manager.common_http_protocol_options, {
      idle_timeout: '0s',
      max_connection_duration: '3600s',
    });
    assert.equal(manager.stream_idle_timeout, '300s');
    assert.equal(manager.delayed_close_timeout, '1s');
    assert.equal(manager.drain_timeout, '5s');
    assert.equal(envoyCluster.connect_timeout, '3s');
  });

  it('applies listener, network, cluster and TLS settings', () => {
    const config = withFile(`
disableAllowChunkedLength: true
disableMergeSlashes: true
serverHeaderTransformation: pass_through
network:
  num-trusted-hops: 2
  admin-port: 9100
  strip-trailing-host-dot: true
cluster:
  dns-lookup-family: v4
tls:
  minimum-protocol-version: "1.3"
  cipher-suites: [ECDHE-RSA-AES256-GCM-SHA384, ECDHE-RSA-AES256-GCM-SHA384]
accesslog-level: disabled
`);
    const { manager, cluster: envoyCluster, resources, listener } = envoyOf(config);
    assert.equal(manager.merge_slashes, undefined, 'merge_slashes off');
    assert.deepEqual(manager.http_protocol_options, { accept_http_10: true });
    assert.equal(manager.server_header_transformation, 'PASS_THROUGH');
    assert.equal(manager.xff_num_trusted_hops, 2);
    assert.equal(manager.strip_trailing_host_dot, true);
    assert.equal(manager.access_log, undefined, 'accesslog-level disabled: no access log');
    assert.equal(envoyCluster.dns_lookup_family, 'V4_ONLY');
    const admin = resources.listeners.map(json).find((item) => item.name === 'envoy-admin');
    assert.equal(at(admin, 'address', 'socket_address', 'port_value'), 9100);
    assert.equal(config.envoy.minTlsVersion, '1.3');
    assert.deepEqual(config.envoy.cipherSuites, ['ECDHE-RSA-AES256-GCM-SHA384']);
    assert.equal(listener.listener_filters, undefined);
  });

  it('writes JSON access logs with the chosen fields, and filters by level', () => {
    const config = withFile(
      'accesslog-format: json\njson-fields: ["@timestamp", method, "custom=%REQ(X-CUSTOM)%", protocol]\naccesslog-level: critical\n',
    );
    const log = at(envoyOf(config).manager as never, 'access_log', 0) as Record<string, unknown>;
    assert.deepEqual(at(log as never, 'typed_config', 'log_format'), {
      json_format: {
        '@timestamp': '%START_TIME%',
        custom: '%REQ(X-CUSTOM)%',
        method: '%REQ(:METHOD)%',
        protocol: '%PROTOCOL%',
      },
      omit_empty_values: true,
    });
    const filters = at(log as never, 'filter', 'or_filter', 'filters') as unknown[];
    assert.equal(at(filters[0] as never, 'status_code_filter', 'comparison', 'value', 'default_value'), 500);
    assert.deepEqual(filters[1], { response_flag_filter: {} });
  });

  it('writes a custom Envoy access log format; --accesslog-format json picks the default JSON fields', () => {
    const text = withFile('accesslog-format-string: "%START_TIME% %PROTOCOL%\\n"\naccesslog-level: error\n');
    const log = at(envoyOf(text).manager as never, 'access_log', 0);
    assert.deepEqual(at(log, 'typed_config', 'log_format', 'text_format_source'), {
      inline_string: '%START_TIME% %PROTOCOL%\n',
    });
    assert.equal(
      at(
        log,
        'filter',
        'or_filter',
        'filters',
        0,
        'status_code_filter',
        'comparison',
        'value',
        'default_value',
      ),
      300,
    );
    const json = withFile('', '--accesslog-format', 'json');
    const fields = at(
      envoyOf(json).manager as never,
      'access_log',
      0,
      'typed_config',
      'log_format',
      'json_format',
    );
    assert.equal(Object.keys(fields as object).length, 23);
  });

  it('%REQ_WITHOUT_QUERY%/%METADATA% add the Envoy formatter extensions, as Contour; METADATA tags routes', () => {
    const formatters = (config: ServeConfig) => {
      const log = at(envoyOf(config).manager as never, 'access_log', 0, 'typed_config', 'log_format') as {
        formatters?: { name: string }[];
      };
      return (log.formatters ?? []).map((formatter) => formatter.name);
    };
    const routeMetadata = (config: ServeConfig) =>
      envoyOf(config).resources.routes.some((route) =>
        JSON.stringify(json(route)).includes('io.projectcontour.kind'),
      );
    const text = withFile('accesslog-format-string: "%REQ_WITHOUT_QUERY(:PATH)% %PROTOCOL%\\n"\n');
    assert.deepEqual(formatters(text), ['envoy.formatter.req_without_query']);
    assert.equal(routeMetadata(text), false);
    const fields = withFile('accesslog-format: json\njson-fields: ["@timestamp", contour_config_name]\n');
    assert.deepEqual(formatters(fields), ['envoy.formatter.metadata']);
    assert.equal(routeMetadata(fields), true, 'the routes carry what %METADATA(ROUTE:…)% reads');
    // The format in use decides: a format string is not read when the log is JSON (Contour's rule).
    const jsonWithString = withFile(
      'accesslog-format: json\naccesslog-format-string: "%REQ_WITHOUT_QUERY(:PATH)%\\n"\n',
    );
    assert.deepEqual(formatters(jsonWithString), []);
    assert.deepEqual(formatters(withFile('accesslog-format: json\n')), []);
  });

  it('metrics.envoy TLS: a TLS stats listener naming SDS secrets that reference the files, as Contour', () => {
    const config = withFile(
      'metrics:\n  envoy:\n    port: 8003\n    server-certificate-path: /certs/tls.crt\n    server-key-path: /certs/tls.key\n    ca-certificate-path: /certs/ca.crt\n',
    );
    const { resources } = envoyOf(config);
    const stats = json(resources.listeners.find((listener) => listener.name === 'stats')!);
    const health = json(resources.listeners.find((listener) => listener.name === 'health')!);
    assert.equal(at(stats, 'address', 'socket_address', 'port_value'), 8003);
    assert.equal(at(health, 'address', 'socket_address', 'port_value'), 8002);
    assert.equal(
      (at(health, 'filter_chains', 0) as { transport_socket?: unknown }).transport_socket,
      undefined,
    );
    const context = at(stats, 'filter_chains', 0, 'transport_socket', 'typed_config');
    assert.equal(at(context, 'require_client_certificate'), true);
    assert.deepEqual(at(context, 'common_tls_context', 'tls_params'), {
      tls_minimum_protocol_version: 'TLSv1_3',
      tls_maximum_protocol_version: 'TLSv1_3',
    });
    assert.equal(
      at(context, 'common_tls_context', 'tls_certificate_sds_secret_configs', 0, 'name'),
      'metrics-tls-certificate',
    );
    assert.equal(
      at(context, 'common_tls_context', 'validation_context_sds_secret_config', 'name'),
      'metrics-ca-certificate',
    );
    const secrets = Object.fromEntries(resources.secrets.map((secret) => [secret.name, json(secret)]));
    assert.deepEqual(at(secrets['metrics-tls-certificate'], 'tls_certificate'), {
      certificate_chain: { filename: '/certs/tls.crt' },
      private_key: { filename: '/certs/tls.key' },
    });
    assert.deepEqual(at(secrets['metrics-ca-certificate'], 'validation_context'), {
      trusted_ca: { filename: '/certs/ca.crt' },
    });
    const noCa = envoyOf(
      withFile(
        'metrics:\n  envoy:\n    port: 8003\n    server-certificate-path: /c\n    server-key-path: /k\n',
      ),
    );
    assert.deepEqual(
      noCa.resources.secrets.map((secret) => secret.name),
      ['metrics-tls-certificate'],
    );
    // As Contour: Envoy's health (/ready) over HTTP and its stats over HTTPS cannot share a port.
    assert.throws(
      () => withFile('metrics:\n  envoy:\n    server-certificate-path: /c\n    server-key-path: /k\n'),
      /metrics\.envoy .*cannot use single port for health over HTTP and metrics over HTTPS/,
    );
  });

  it('applies the listener settings to both ingress listeners', () => {
    const config = withFile(`
listener:
  connection-balancer: exact
  per-connection-buffer-limit-bytes: 32768
  max-requests-per-connection: 100
  http2-max-concurrent-streams: 50
`);
    const { listener, manager } = envoyOf(config);
    assert.deepEqual(listener.connection_balance_config, { exact_balance: {} });
    assert.equal(listener.per_connection_buffer_limit_bytes, 32768);
    assert.deepEqual(manager.common_http_protocol_options, {
      idle_timeout: '60s',
      max_requests_per_connection: 100,
    });
    assert.deepEqual(manager.http2_protocol_options, { max_concurrent_streams: 50 });
  });

  it('disablePermitInsecure, enableExternalNameService and ingress-status-address reach the build and status', () => {
    const config = withFile(
      'disablePermitInsecure: true\nenableExternalNameService: true\ningress-status-address: lb.example.com\n',
    );
    assert.equal(config.disablePermitInsecure, true);
    assert.equal(config.enableExternalNameService, true);
    assert.equal(config.ingressStatusAddress, 'lb.example.com');
  });

  it('metrics.envoy moves the stats listener; /ready stays on --stats-address/--stats-port', () => {
    const config = withFile('metrics:\n  envoy:\n    address: 127.0.0.1\n    port: 8003\n');
    assert.equal(config.statsAddress, '127.0.0.1');
    assert.equal(config.statsPort, 8003);
    assert.equal(config.envoy.healthPort, 8002);
    const names = envoyOf(config).resources.listeners.map((listener) => listener.name);
    assert.ok(names.includes('stats') && names.includes('health'), names.join());
  });

  it('flags given on the command line win over the file', () => {
    const file = 'envoy-service-name: from-file\ningress-status-address: file.example.com\ndebug: true\n';
    const config = withFile(file, '--envoy-service-name', 'from-flag', '--debug');
    assert.equal(config.envoyServiceName, 'from-flag');
    assert.equal(config.ingressStatusAddress, 'file.example.com');
    assert.equal(withFile(file).envoyServiceName, 'from-file');
    assert.equal(withFile(file).debug, true);
  });

  it('--use-proxy-protocol and the access log flags reach the listeners', () => {
    const config = withFile('', '--use-proxy-protocol', '--envoy-http-access-log', '/tmp/http.log');
    const { listener, manager } = envoyOf(config);
    assert.equal(at(listener, 'listener_filters', 0, 'name'), 'envoy.filters.listener.proxy_protocol');
    assert.equal(at(manager as never, 'access_log', 0, 'typed_config', 'path'), '/tmp/http.log');
  });

  const invalid: [string, string, RegExp][] = [
    ['an unknown field', 'timeouts:\n  request-timeout: 1s\n  bogus: 1\n', /timeouts: unknown field bogus/],
    ['an unknown top-level field', 'xds-server-type: envoy\n', /unknown field xds-server-type/],
    [
      'a bad duration',
      'timeouts:\n  stream-idle-timeout: soon\n',
      /timeouts\.stream-idle-timeout: invalid duration/,
    ],
    ['a bad TLS version', 'tls:\n  minimum-protocol-version: "1.1"\n', /tls\.minimum-protocol-version/],
    [
      'inverted TLS versions',
      'tls:\n  minimum-protocol-version: "1.3"\n  maximum-protocol-version: "1.2"\n',
      /minimum TLS protocol version is greater/,
    ],
    ['a bad cipher', 'tls:\n  cipher-suites: [RC4]\n', /tls\.cipher-suites: invalid cipher suites \["RC4"\]/],
    ['a bad access log format', 'accesslog-format: xml\n', /accesslog-format/],
    ['a bad HTTP version', 'default-http-versions: ["HTTP/3"]\n', /default-http-versions\[0\]/],
    [
      'a fallback certificate without namespace',
      'tls:\n  fallback-certificate:\n    name: x\n',
      /tls\.fallback-certificate: namespace must be defined/,
    ],
    [
      'a zero listener limit',
      'listener:\n  max-requests-per-connection: 0\n',
      /listener\.max-requests-per-connection/,
    ],
    ['a bad connection balancer', 'listener:\n  connection-balancer: fair\n', /connection-balancer/],
    ['an out-of-range TOS', 'listener:\n  socket-options:\n    tos: 300\n', /listener\.socket-options\.tos/],
    [
      'metrics key without certificate',
      'metrics:\n  contour:\n    server-key-path: /k\n',
      /metrics\.contour: server-certificate-path and server-key-path/,
    ],
    [
      'a tracing tag with both sources',
      'tracing:\n  extensionService: ns/name\n  customTags:\n  - {tagName: a, literal: x, requestHeaderName: y}\n',
      /exactly one of literal or requestHeaderName/,
    ],
    [
      'a bad header name',
      'policy:\n  request-headers:\n    set:\n      "bad header": x\n',
      /policy\.request-headers: invalid header name/,
    ],
    [
      'an unknown feature flag',
      'featureFlags: [useEndpointSlices]\n',
      /featureFlags: unknown feature flag: useEndpointSlices/,
    ],
    ['not YAML', 'timeouts: [\n', /failed to parse configuration/],
    [
      'a bad access log operator',
      'accesslog-format-string: "%NOPE%\\n"\n',
      /accesslog-format-string: invalid access log format: .*invalid Envoy operator: NOPE/,
    ],
    [
      'a format string without newline',
      'accesslog-format-string: "%PROTOCOL%"\n',
      /accesslog-format-string: .*must end in newline/,
    ],
    [
      'an unknown JSON field',
      'json-fields: [nonsense]\n',
      /json-fields: invalid JSON log field name nonsense/,
    ],
    ['a bad access log level', 'accesslog-level: verbose\n', /accesslog-level/],
  ];
  for (const [what, text, message] of invalid) {
    it(`rejects ${what}, naming the field`, () => assert.throws(() => withFile(text), message));
  }

  // Fields whose feature contour-ts does not have: parsed and validated, and refused when not the default.
  const refused: [string, string][] = [
    ['gateway', 'gateway:\n  gatewayRef: {namespace: projectcontour, name: contour}\n'],
    [
      'rateLimitService',
      'rateLimitService:\n  extensionService: projectcontour/ratelimit\n  domain: contour\n',
    ],
    ['globalExtAuth', 'globalExtAuth:\n  extensionService: projectcontour/auth\n'],
    ['tracing', 'tracing:\n  extensionService: projectcontour/otel\n'],
    ['tls.fingerprint', 'tls:\n  fingerprint: {ja4: true}\n'],
  ];
  for (const [field, text] of refused) {
    it(`refuses ${field} by name`, () => {
      assert.throws(
        () => withFile(text),
        (error: Error) => error.message.includes(field) && /not supported by contour-ts/.test(error.message),
      );
    });
  }

  it('accepts the defaults of refused fields (nothing to refuse)', () => {
    const config = withFile(`
compression: {algorithm: gzip}
accesslog-level: info
default-http-versions: ["HTTP/1.1", "http/2"]
cluster:
  upstream-tls: {minimum-protocol-version: "1.2", maximum-protocol-version: "1.3"}
policy: {applyToIngress: false}
metrics:
  contour: {address: 0.0.0.0, port: 8000}
`);
    assert.equal(config.healthPort, 8000);
  });
});

describe('contour serve flags (Contour names)', () => {
  const flags = (...args: string[]) => serveConfigFromArgs(args, {});

  it('refuses --config-path with --contour-config-name', () => {
    assert.throws(
      () => flags('--config-path', '/dev/null', '--contour-config-name', 'contour'),
      /cannot specify both --contour-config-name and -c\/--config-path/,
    );
  });

  it('-c is --config-path; a missing file is named', () => {
    assert.throws(
      () => flags('-c', join(tmpdir(), 'contour-absent-config', 'absent.yaml')),
      /--config-path: cannot read .*absent\.yaml/,
    );
  });

  it('--disable-feature takes Contour kinds, repeatedly, and refuses others', () => {
    const config = flags('--disable-feature', 'extensionservices', '--disable-feature=tlsroutes');
    assert.deepEqual(config.disabledFeatures, ['extensionservices', 'tlsroutes']);
    assert.throws(() => flags('--disable-feature', 'httpproxies'), /disable-feature/);
  });

  it('--kubernetes-client-qps/-burst and --kubernetes-debug are applied; the flags win over the file', () => {
    const config = flags(
      '--kubernetes-client-qps',
      '50',
      '--kubernetes-client-burst',
      '9',
      '--kubernetes-debug',
      '4',
    );
    assert.deepEqual([config.kubeClientQps, config.kubeClientBurst, config.kubernetesDebug], [50, 9, 4]);
    assert.deepEqual([flags().kubeClientQps, flags().kubeClientBurst, flags().kubernetesDebug], [0, 0, 0]);
    const file = withFile('kubernetesClientQPS: 12.5\nkubernetesClientBurst: 100\n');
    assert.deepEqual([file.kubeClientQps, file.kubeClientBurst], [12.5, 100]);
    const both = withFile('kubernetesClientQPS: 12.5\n', '--kubernetes-client-qps', '7');
    assert.equal(both.kubeClientQps, 7);
    assert.throws(() => flags('--kubernetes-client-qps', 'many'), /--kubernetes-client-qps: "many"/);
    assert.throws(() => flags('--kubernetes-client-burst', '1.5'), /--kubernetes-client-burst/);
    assert.equal(flags('--accesslog-format', 'envoy').accessLogFormat, 'envoy');
  });

  it('--http-address/--http-port place the metrics server; metrics.contour in the file wins, as in Contour', () => {
    const defaults = flags();
    assert.equal(defaults.metricsAddress, undefined, 'absent: beside the health endpoint');
    assert.equal(defaults.metricsPort, undefined);
    const moved = flags('--http-address', '127.0.0.1', '--http-port', '8009', '--health-port', '8010');
    assert.deepEqual([moved.metricsAddress, moved.metricsPort, moved.healthPort], ['127.0.0.1', 8009, 8010]);
    assert.throws(() => flags('--http-port', '70000'), /--http-port/);
    const file = withFile(
      'metrics:\n  contour:\n    address: 10.0.0.1\n    port: 8011\n    server-certificate-path: /c\n    server-key-path: /k\n    ca-certificate-path: /ca\n',
      '--http-port',
      '8009',
    );
    assert.deepEqual([file.metricsAddress, file.metricsPort], ['10.0.0.1', 8011]);
    assert.deepEqual(file.metricsTls, { certFile: '/c', keyFile: '/k', caFile: '/ca' });
    const noCa = withFile(
      'metrics:\n  contour:\n    port: 8011\n    server-certificate-path: /c\n    server-key-path: /k\n',
    );
    assert.deepEqual(noCa.metricsTls, { certFile: '/c', keyFile: '/k', caFile: undefined });
    // As Contour: health over HTTP and metrics over HTTPS cannot share a port.
    assert.throws(
      () => withFile('metrics:\n  contour:\n    server-certificate-path: /c\n    server-key-path: /k\n'),
      /cannot use single port for health over HTTP and metrics over HTTPS/,
    );
  });

  it('refuses root namespaces that are not watched, as Contour does', () => {
    assert.throws(
      () => flags('--watch-namespaces', 'a', '--root-namespaces', 'a,b'),
      /not all root namespaces are being watched/,
    );
  });

  it('keeps Contour defaults for the access logs', () => {
    const config = flags();
    assert.equal(config.envoy.httpAccessLog, '/dev/stdout');
    assert.equal(config.envoy.httpsAccessLog, '/dev/stdout');
    assert.equal(config.envoy.useProxyProtocol, false);
  });
});
