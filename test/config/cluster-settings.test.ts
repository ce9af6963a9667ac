// Contour's `cluster.*`, `tls.envoy-client-certificate`, `tls.ecdh-curves` and `tls.fingerprint` settings, from
// the config file and from a ContourConfiguration: checked as Contour checks them, and carried to the build
// (BuildOptions.clusterDefaults) and to Envoy (TranslateOptions) with Contour's effect on the clusters and
// the TLS listener. The goldens cluster-defaults, upstream-tls-settings and client-certificate-* show the
// whole output.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { contourConfigurationSpecSchema } from '../../src/apis/contourconfiguration.js';
import type { KubeObject } from '../../src/apis/meta.js';
import { translateStore } from '../../src/assemble/translate.js';
import { serveConfigFromArgs } from '../../src/cli/commands/serve.js';
import type { ServeConfig } from '../../src/cli/config.js';
import { applySpecSettings, translateOptionsOf } from '../../src/cli/serve-settings.js';
import { defaultBuildOptions } from '../../src/dag/build.js';
import { defaultCipherSuites } from '../../src/envoy/tls-context.js';
import { createStore } from '../../src/store/store.js';
import { at, json } from '../envoy/fixtures.js';
import { configFileParser } from './with-config-file.js';

const withFile = configFileParser('contour-cluster-settings-');

const withSpec = (spec: unknown): ServeConfig =>
  applySpecSettings(
    serveConfigFromArgs([], {}),
    contourConfigurationSpecSchema.parse(spec),
    'crd',
    new Set(),
  );

// A TLS backend behind an HTTPProxy on a TLS virtual host, and the client certificate Secret.
const tlsPem = (name: string) =>
  readFileSync(new URL(`../golden/upstream-tls-settings/input.yaml`, import.meta.url), 'utf8')
    .split('\n---\n')
    .find((document) => document.includes(`name: ${name}`))!;
const secretData = (() => {
  const document = tlsPem('site-tls');
  const value = (key: string) => new RegExp(`${key.replace('.', '\\.')}: (\\S+)`).exec(document)![1];
  return { 'tls.crt': value('tls.crt'), 'tls.key': value('tls.key') };
})();
const objects: KubeObject[] = [
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      namespace: 'default',
      name: 'backend',
      annotations: { 'projectcontour.io/upstream-protocol.tls': '443', 'projectcontour.io/max-retries': '9' },
    },
    spec: { ports: [{ name: 'https', port: 443, protocol: 'TCP' }] },
  },
  ...['default/site', 'projectcontour/envoy-client'].map((ref): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { namespace: ref.split('/')[0], name: ref.split('/')[1] },
    data: secretData,
  })),
  {
    apiVersion: 'projectcontour.io/v1',
    kind: 'HTTPProxy',
    metadata: { namespace: 'default', name: 'www' },
    spec: {
      virtualhost: { fqdn: 'www.example.com', tls: { secretName: 'site' } },
      routes: [{ services: [{ name: 'backend', port: 443 }] }],
    },
  },
];

/** The Envoy resources of `objects` under a ServeConfig, as `contour serve` passes it to the build and translation. */
const envoyOf = (config: ServeConfig) => {
  const store = createStore();
  for (const object of objects) store.apply({ type: 'upsert', object });
  const { messages, build } = translateStore(
    store,
    { ...defaultBuildOptions, clusterDefaults: config.clusterDefaults },
    translateOptionsOf(config),
  );
  const listener = messages.listeners.find((candidate) => candidate.name === 'ingress_https');
  const https = listener ? json(listener) : {};
  return {
    cluster: messages.clusters[0] ? json(messages.clusters[0]) : {},
    secrets: messages.secrets.map((secret) => secret.name),
    inspector: (listener ? at(https, 'listener_filters', 0, 'typed_config') : {}) as Record<string, unknown>,
    downstreamTls: listener
      ? at(https, 'filter_chains', 0, 'transport_socket', 'typed_config', 'common_tls_context')
      : undefined,
    statuses: build.statuses,
  };
};

const clusterFile = `
cluster:
  max-requests-per-connection: 10
  per-connection-buffer-limit-bytes: 32768
  circuit-breakers:
    max-connections: 50
    max-pending-requests: 0
    max-retries: 3
    per-host-max-connections: 4
  upstream-tls:
    minimum-protocol-version: "1.3"
    cipher-suites: [ECDHE-RSA-AES256-GCM-SHA384, ECDHE-RSA-AES256-GCM-SHA384]
    ecdh-curves: [X25519, P-256]
tls:
  cipher-suites: [ECDHE-ECDSA-AES256-GCM-SHA384]
  ecdh-curves: [P-384, P-384, X25519]
  fingerprint: {ja3: true}
  envoy-client-certificate: {namespace: projectcontour, name: envoy-client}
`;

const clusterSpec = {
  envoy: {
    cluster: {
      maxRequestsPerConnection: 10,
      'per-connection-buffer-limit-bytes': 32768,
      circuitBreakers: { maxConnections: 50, maxPendingRequests: 0, maxRetries: 3, perHostMaxConnections: 4 },
      upstreamTLS: {
        minimumProtocolVersion: '1.3',
        cipherSuites: ['ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384'],
        ecdhCurves: ['X25519', 'P-256'],
      },
    },
    listener: {
      tls: {
        cipherSuites: ['ECDHE-ECDSA-AES256-GCM-SHA384'],
        ecdhCurves: ['P-384', 'P-384', 'X25519'],
        fingerprint: { ja3: true },
      },
    },
    clientCertificate: { namespace: 'projectcontour', name: 'envoy-client' },
  },
};

describe('cluster.* and the upstream TLS settings', () => {
  for (const [source, config] of [
    ['the config file', () => withFile(clusterFile)],
    ['a ContourConfiguration', () => withSpec(clusterSpec)],
  ] as const) {
    it(`reach the build and the translation from ${source}`, () => {
      const settings = config();
      assert.deepEqual(settings.clusterDefaults, {
        maxRequestsPerConnection: 10,
        perConnectionBufferLimitBytes: 32768,
        // 0 is Contour's "unset".
        circuitBreakers: { maxConnections: 50, maxRetries: 3, perHostMaxConnections: 4 },
        clientCertificate: { namespace: 'projectcontour', name: 'envoy-client' },
      });
      assert.deepEqual(settings.envoy.upstreamTls, {
        minVersion: '1.3',
        maxVersion: '1.3',
        cipherSuites: ['ECDHE-RSA-AES256-GCM-SHA384'],
        ecdhCurves: ['X25519', 'P-256'],
      });
      assert.deepEqual(settings.envoy.ecdhCurves, ['P-384', 'X25519']);
      assert.equal(settings.envoy.tlsJa3Fingerprinting, true);

      const envoy = envoyOf(settings);
      assert.equal(envoy.cluster.per_connection_buffer_limit_bytes, 32768);
      assert.deepEqual(envoy.cluster.circuit_breakers, {
        // The Service's max-retries annotation wins over the default.
        thresholds: [{ max_connections: 50, max_retries: 9, track_remaining: true }],
        per_host_thresholds: [{ max_connections: 4, track_remaining: true }],
      });
      const options = at(
        envoy.cluster,
        'typed_extension_protocol_options',
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
      ) as Record<string, unknown>;
      assert.deepEqual(options.common_http_protocol_options, { max_requests_per_connection: 10 });
      assert.deepEqual(options.explicit_http_config, { http_protocol_options: {} });
      const upstream = at(envoy.cluster, 'transport_socket', 'typed_config', 'common_tls_context') as Record<
        string,
        unknown
      >;
      assert.deepEqual(upstream.tls_params, {
        tls_minimum_protocol_version: 'TLSv1_3',
        tls_maximum_protocol_version: 'TLSv1_3',
        cipher_suites: ['ECDHE-RSA-AES256-GCM-SHA384'],
        ecdh_curves: ['X25519', 'P-256'],
      });
      const clientSecret = (upstream.tls_certificate_sds_secret_configs as { name: string }[])[0].name;
      assert.match(clientSecret, /^projectcontour\/envoy-client\//);
      assert.ok(envoy.secrets.includes(clientSecret), 'the client certificate is published over SDS');
      assert.deepEqual(envoy.inspector.enable_ja3_fingerprinting, true);
      assert.deepEqual((envoy.downstreamTls as Record<string, unknown>).tls_params, {
        tls_minimum_protocol_version: 'TLSv1_2',
        tls_maximum_protocol_version: 'TLSv1_3',
        cipher_suites: ['ECDHE-ECDSA-AES256-GCM-SHA384'],
        ecdh_curves: ['P-384', 'X25519'],
      });
    });
  }

  it("upstream TLS keeps Contour's defaults, not the listener's ciphers", () => {
    const settings = withFile('tls:\n  cipher-suites: [ECDHE-ECDSA-AES256-GCM-SHA384]\n');
    assert.equal(settings.clusterDefaults, undefined);
    assert.deepEqual(settings.envoy.upstreamTls, {
      minVersion: '1.2',
      maxVersion: '1.3',
      cipherSuites: defaultCipherSuites,
      ecdhCurves: [],
    });
    const envoy = envoyOf(settings);
    const upstream = at(envoy.cluster, 'transport_socket', 'typed_config', 'common_tls_context') as Record<
      string,
      unknown
    >;
    assert.deepEqual((upstream.tls_params as Record<string, unknown>).cipher_suites, defaultCipherSuites);
    assert.equal(upstream.tls_certificate_sds_secret_configs, undefined);
    assert.equal(envoy.cluster.typed_extension_protocol_options, undefined);
    assert.equal(envoy.inspector.enable_ja3_fingerprinting, undefined);
  });

  const invalid: [string, string, RegExp][] = [
    [
      'an inverted upstream TLS version range',
      'cluster:\n  upstream-tls: {minimum-protocol-version: "1.3", maximum-protocol-version: "1.2"}\n',
      /cluster\.upstream-tls: the minimum TLS protocol version is greater than the maximum/,
    ],
    [
      'an unknown upstream ECDH curve',
      'cluster:\n  upstream-tls: {ecdh-curves: [P-999]}\n',
      /cluster\.upstream-tls: invalid ECDH curves \["P-999"\]/,
    ],
    [
      'an unknown listener ECDH curve',
      'tls:\n  ecdh-curves: [P-999]\n',
      /tls\.ecdh-curves: invalid ECDH curves/,
    ],
    [
      'max-requests-per-connection 0',
      'cluster:\n  max-requests-per-connection: 0\n',
      /cluster\.max-requests-per-connection/,
    ],
  ];
  for (const [what, text, message] of invalid) {
    it(`rejects ${what}, naming the field`, () => assert.throws(() => withFile(text), message));
  }

  it('refuses JA4 fingerprinting by name (the Envoy API contour-ts uses has no such field)', () => {
    assert.throws(
      () => withSpec({ envoy: { listener: { tls: { fingerprint: { ja4: true } } } } }),
      /spec\.envoy\.listener\.tls\.fingerprint with ja4 is not supported by contour-ts/,
    );
  });

  it('refuses a client certificate whose namespace --watch-namespaces leaves out, as Contour does', () => {
    const file = 'tls:\n  envoy-client-certificate: {namespace: projectcontour, name: envoy-client}\n';
    assert.throws(
      () => withFile(file, '--watch-namespaces', 'default'),
      /the clientCertificate namespace \(projectcontour\) must be watched/,
    );
    assert.equal(
      withFile(file, '--watch-namespaces', 'default,projectcontour').clusterDefaults?.clientCertificate?.name,
      'envoy-client',
    );
  });

  it('a missing client certificate makes the HTTPProxy invalid (SecretNotValid), as in Contour', () => {
    const settings = withFile(
      'tls:\n  envoy-client-certificate: {namespace: projectcontour, name: absent}\n',
    );
    const { statuses, cluster, secrets } = envoyOf(settings);
    assert.deepEqual(cluster, {}, 'no cluster is published for the invalid route');
    assert.deepEqual(secrets, []);
    const www = statuses.find((status) => status.name === 'www')!;
    assert.match(JSON.stringify(www.conditions), /SecretNotValid/);
    assert.match(
      JSON.stringify(www.conditions),
      /tls.envoy-client-certificate Secret \\"projectcontour\/absent\\" is invalid: Secret not found/,
    );
  });
});
