// Checks of the golden scenarios whose point is on the Envoy side (translate options from Contour's config
// file: access-log formatters, metrics TLS, compression, HTTP versions, socket options, runtime): each runs
// its scenario through the real pipeline and says what the published resources must show.
// Part of test/dag/scenarios.test.ts's table.
import assert from 'node:assert/strict';
import type { BuildResult } from '../../src/dag/build.js';
import { loadScenario, runScenario } from '../golden/harness.js';

type Json = Record<string, unknown>;
interface Published {
  listeners: Json[];
  routes: Json[];
  secrets: Json[];
  runtimes: Json[];
}

/** The scenario's published snapshot as Envoy's config_dump shape (`resource` of each entry). */
const published = (name: string): Published => {
  const snapshot = JSON.parse(runScenario(loadScenario(name)).files['envoy.json']) as Record<
    string,
    { resource: Json }[]
  >;
  const of = (type: string): Json[] => (snapshot[type] ?? []).map((entry) => entry.resource);
  return {
    listeners: of('listeners'),
    routes: of('routes'),
    secrets: of('secrets'),
    runtimes: of('runtimes'),
  };
};

const listener = (resources: Published, name: string): Json => {
  const found = resources.listeners.find((candidate) => candidate.name === name);
  assert.ok(found, `listener ${name}`);
  return found;
};
const chains = (resource: Json): Json[] => resource.filterChains as Json[];
/** The connection manager of a listener's first filter chain. */
const manager = (resource: Json): Json => (chains(resource)[0].filters as Json[])[0].typedConfig as Json;
const httpFilterNames = (resource: Json): string[] =>
  (manager(resource).httpFilters as Json[]).map((filter) => filter.name as string);
const compressorLibrary = (resource: Json): string | undefined => {
  const filter = (manager(resource).httpFilters as Json[]).find(
    (candidate) => candidate.name === 'envoy.filters.http.compressor',
  );
  return ((filter?.typedConfig as Json | undefined)?.compressorLibrary as Json | undefined)?.name as
    string | undefined;
};
const alpn = (resource: Json): unknown =>
  (((chains(resource)[0].transportSocket as Json).typedConfig as Json).commonTlsContext as Json)
    .alpnProtocols;
const logFormat = (resource: Json): Json =>
  ((manager(resource).accessLog as Json[])[0].typedConfig as Json).logFormat as Json;
const formatterNames = (resource: Json): string[] =>
  ((logFormat(resource).formatters as Json[] | undefined) ?? []).map((formatter) => formatter.name as string);
/** Socket options beyond the four TCP keep-alive ones every listener has: `level/name=value`. */
const extraSocketOptions = (resource: Json): string[] =>
  (resource.socketOptions as Json[])
    .filter((option) => !String(option.description).includes('keep-alive'))
    .map(
      (option) =>
        `${(option.level as string | undefined) ?? 0}/${String(option.name)}=${String(option.intValue)}`,
    );

export const translateScenarioChecks: Record<string, (result: BuildResult) => void> = {
  'accesslog-format-string-req-without-query': () => {
    // A format string using %REQ_WITHOUT_QUERY% brings its formatter extension, and only that one.
    const resources = published('accesslog-format-string-req-without-query');
    for (const name of ['ingress_http', 'ingress_https']) {
      if (!resources.listeners.some((candidate) => candidate.name === name)) continue;
      assert.deepEqual(formatterNames(listener(resources, name)), ['envoy.formatter.req_without_query']);
    }
    assert.match(
      (logFormat(listener(resources, 'ingress_http')).textFormatSource as Json).inlineString as string,
      /%REQ_WITHOUT_QUERY\(X-ENVOY-ORIGINAL-PATH\?:PATH:5\)%/,
    );
  },
  'accesslog-json-formatter-extensions': () => {
    // JSON fields with both operators bring both extensions, and routes carry their source for %METADATA%.
    const resources = published('accesslog-json-formatter-extensions');
    assert.deepEqual(formatterNames(listener(resources, 'ingress_http')), [
      'envoy.formatter.req_without_query',
      'envoy.formatter.metadata',
    ]);
    const route = ((resources.routes[0].virtualHosts as Json[])[0].routes as Json[])[0];
    const source = ((route.metadata as Json).filterMetadata as Json)['envoy.access_loggers.file'] as Json;
    assert.deepEqual(source, {
      'io.projectcontour.kind': 'HTTPProxy',
      'io.projectcontour.name': 'basic',
      'io.projectcontour.namespace': 'default',
    });
  },
  'fallback-certificate-http2-no-compression': () => {
    // The fallback chain follows the Envoy-wide compression (here none) and the hosts' ALPN, but keeps the
    // codec at AUTO while the SNI chains take HTTP/2 alone, as Contour.
    const https = listener(published('fallback-certificate-http2-no-compression'), 'ingress_https');
    const fallback = chains(https).find((chain) => chain.name === 'fallback-certificate');
    assert.ok(fallback, 'the fallback-certificate chain');
    const fallbackManager = (fallback.filters as Json[])[0].typedConfig as Json;
    assert.equal(fallbackManager.codecType, undefined);
    assert.ok(
      !(fallbackManager.httpFilters as Json[]).some((f) => f.name === 'envoy.filters.http.compressor'),
    );
    assert.deepEqual(
      (((fallback.transportSocket as Json).typedConfig as Json).commonTlsContext as Json).alpnProtocols,
      ['h2'],
    );
    assert.ok(!httpFilterNames(https).includes('envoy.filters.http.compressor'));
    assert.equal(manager(https).codecType, 'HTTP2');
  },
  'stats-listener-tls': () => {
    // metrics.envoy TLS: `stats` alone goes TLS 1.3 with a required client certificate; `/ready` stays
    // plaintext on its own `health` listener; both secrets are file references Envoy reads itself.
    const resources = published('stats-listener-tls');
    const stats = listener(resources, 'stats');
    const tls = (chains(stats)[0].transportSocket as Json).typedConfig as Json;
    assert.equal(tls.requireClientCertificate, true);
    assert.deepEqual((tls.commonTlsContext as Json).tlsParams, {
      tlsMinimumProtocolVersion: 'TLSv1_3',
      tlsMaximumProtocolVersion: 'TLSv1_3',
    });
    assert.equal(chains(listener(resources, 'health'))[0].transportSocket, undefined);
    assert.ok(!resources.listeners.some((candidate) => candidate.name === 'stats-health'));
    assert.deepEqual(
      resources.secrets.map((secret) => secret.name),
      ['metrics-ca-certificate', 'metrics-tls-certificate'],
    );
  },
  'translate-compression-disabled-http1': () => {
    // compression: disabled drops the compressor; HTTP/1.1 alone fixes the codec and the ALPN.
    const resources = published('translate-compression-disabled-http1');
    for (const name of ['ingress_http', 'ingress_https']) {
      assert.ok(!httpFilterNames(listener(resources, name)).includes('envoy.filters.http.compressor'));
      assert.equal(manager(listener(resources, name)).codecType, 'HTTP1');
    }
    assert.deepEqual(alpn(listener(resources, 'ingress_https')), ['http/1.1']);
  },
  'translate-compression-zstd': () => {
    const resources = published('translate-compression-zstd');
    for (const name of ['ingress_http', 'ingress_https'])
      assert.equal(compressorLibrary(listener(resources, name)), 'zstd');
    // Both HTTP versions (the default): Envoy picks the codec, TLS offers both.
    assert.equal(manager(listener(resources, 'ingress_http')).codecType, undefined);
    assert.deepEqual(alpn(listener(resources, 'ingress_https')), ['h2', 'http/1.1']);
  },
  'translate-listener-socket-settings': () => {
    const resources = published('translate-listener-socket-settings');
    for (const name of ['ingress_http', 'ingress_https']) {
      const ingress = listener(resources, name);
      // IP_TOS (IPPROTO_IP 0 / 1) and IPV6_TCLASS (IPPROTO_IPV6 41 / 67), on the ingress listeners only.
      assert.deepEqual(extraSocketOptions(ingress), ['0/1=64', '41/67=32']);
      assert.equal(ingress.maxConnectionsToAcceptPerSocketEvent, 8);
      assert.equal(compressorLibrary(ingress), 'brotli');
      assert.equal(manager(ingress).codecType, 'HTTP2');
    }
    assert.deepEqual(alpn(listener(resources, 'ingress_https')), ['h2']);
    assert.deepEqual(extraSocketOptions(listener(resources, 'stats-health')), []);
    // The OM-enforced health listener does not ignore the global connection limit; stats-health does.
    const enforced = listener(resources, 'health-om-enforced');
    assert.equal(enforced.ignoreGlobalConnLimit, undefined);
    assert.equal(listener(resources, 'stats-health').ignoreGlobalConnLimit, true);
  },
  'translate-runtime-settings': () => {
    const resources = published('translate-runtime-settings');
    assert.deepEqual(
      resources.runtimes.map((runtime) => runtime.name),
      ['dynamic'],
    );
    assert.deepEqual(resources.runtimes[0].layer, {
      'envoy.reloadable_features.http1_use_balsa_parser': 'false',
      'envoy.resource_limits.listener.ingress_http.connection_limit': 1000,
      'envoy.resource_limits.listener.ingress_https.connection_limit': 1000,
      'http.max_requests_per_io_cycle': 10,
      're2.max_program_size.error_level': 1048576,
      're2.max_program_size.warn_level': 1000,
      'upstream.healthy_panic_threshold': '40',
    });
  },
};
