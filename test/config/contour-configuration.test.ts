// A ContourConfiguration spec (`--contour-config-name`): what it sets replaces the flags, errors and refusals
// name the spec path. (Reading it from the API server and its status: test/kube/contour-example-install.test.ts.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { contourConfigurationSpecSchema } from '../../src/apis/contourconfiguration.js';
import { serveConfigFromArgs } from '../../src/cli/commands/serve.js';
import { applySpecSettings } from '../../src/cli/serve-settings.js';

const flags = serveConfigFromArgs(['--xds-port', '9001', '--envoy-service-name', 'from-flag'], {});
const withSpec = (spec: unknown) =>
  applySpecSettings(flags, contourConfigurationSpecSchema.parse(spec), 'crd', new Set());

describe('ContourConfiguration spec', () => {
  it('metrics and Envoy stats over TLS, and access log fields needing formatter extensions, are applied', () => {
    const config = withSpec({
      metrics: { address: '127.0.0.1', port: 8009, tls: { certFile: '/c', keyFile: '/k', caFile: '/ca' } },
      envoy: {
        metrics: { port: 8003, tls: { certFile: '/ec', keyFile: '/ek' } },
        logging: { accessLogFormat: 'json', accessLogJSONFields: ['contour_config_kind'] },
      },
    });
    assert.deepEqual([config.metricsAddress, config.metricsPort], ['127.0.0.1', 8009]);
    assert.deepEqual(config.metricsTls, { certFile: '/c', keyFile: '/k', caFile: '/ca' });
    assert.deepEqual(config.envoy.statsTls, { certFile: '/ec', keyFile: '/ek', caFile: undefined });
    assert.deepEqual(config.envoy.accessLogFormat?.jsonFields, {
      contour_config_kind: '%METADATA(ROUTE:envoy.access_loggers.file:io.projectcontour.kind)%',
    });
  });

  it('replaces the settings it covers, flags given or not', () => {
    const config = withSpec({
      xdsServer: { address: '0.0.0.0', port: 8101, tls: { insecure: true } },
      envoy: {
        service: { name: 'envoy-from-crd', namespace: 'ingress' },
        http: { port: 80, accessLog: '/var/log/http.log' },
        timeouts: { requestTimeout: '10s', connectionIdleTimeout: 'infinite' },
        network: { numTrustedHops: 1, stripTrailingHostDot: true },
        cluster: { dnsLookupFamily: 'v6' },
      },
      httpproxy: { rootNamespaces: ['admin'], disablePermitInsecure: true },
      ingress: { classNames: ['internal'] },
    });
    assert.equal(config.xdsPort, 8101);
    assert.equal(config.insecure, true);
    assert.equal(config.envoyServiceName, 'envoy-from-crd');
    assert.equal(config.envoyServiceNamespace, 'ingress');
    assert.equal(config.envoyHttpPort, 80);
    assert.equal(config.envoy.httpAccessLog, '/var/log/http.log');
    assert.equal(config.envoy.requestTimeoutMs, 10_000);
    assert.equal(config.envoy.connectionIdleTimeoutMs, 0);
    assert.equal(config.envoy.xffNumTrustedHops, 1);
    assert.equal(config.envoy.stripTrailingHostDot, true);
    assert.equal(config.envoy.dnsLookupFamily, 'v6');
    assert.deepEqual(config.rootNamespaces, ['admin']);
    assert.equal(config.disablePermitInsecure, true);
    assert.deepEqual(config.ingressClassNames, ['internal']);
  });

  it('keeps the flags for what it leaves out', () => {
    const config = withSpec({});
    assert.equal(config.xdsPort, 9001);
    assert.equal(config.envoyServiceName, 'from-flag');
  });

  const errors: [string, unknown, RegExp][] = [
    [
      'an unknown enum value',
      { envoy: { cluster: { dnsLookupFamily: 'v5' } } },
      /spec\.envoy\.cluster\.dnsLookupFamily: invalid value "v5"/,
    ],
    [
      'a bad HTTP version',
      { envoy: { defaultHTTPVersions: ['HTTP/3'] } },
      /spec\.envoy\.defaultHTTPVersions: invalid value/,
    ],
    [
      'a bad timeout',
      { envoy: { timeouts: { streamIdleTimeout: 'later' } } },
      /spec\.envoy\.timeouts\.streamIdleTimeout: invalid duration/,
    ],
    [
      'a bad cipher',
      { envoy: { listener: { tls: { cipherSuites: ['NULL'] } } } },
      /spec\.envoy\.listener\.tls\.cipherSuites/,
    ],
    [
      'an unsupported field',
      { rateLimitService: { extensionService: { name: 'rl', namespace: 'ns' } } },
      /spec\.rateLimitService is not supported by contour-ts yet/,
    ],
    [
      'a runtime setting of a key contour-ts sets itself',
      { envoy: { runtimeSettings: { 're2.max_program_size.warn_level': '5' } } },
      /spec\.envoy\.runtimeSettings: "re2\.max_program_size\.warn_level" is set by contour-ts itself/,
    ],
    [
      'metrics TLS with a CA alone',
      { metrics: { port: 8009, tls: { caFile: '/ca.crt' } } },
      /spec\.metrics\.tls: a server certificate and key must both be given/,
    ],
    [
      'Envoy stats TLS without a key',
      { envoy: { metrics: { port: 8003, tls: { certFile: '/tls.crt' } } } },
      /spec\.envoy\.metrics\.tls: a server certificate and key must both be given/,
    ],
  ];
  for (const [what, spec, message] of errors) {
    it(`refuses ${what}, naming the spec path`, () => assert.throws(() => withSpec(spec), message));
  }
});
