// Contour's global header policy (config file `policy`, ContourConfiguration `spec.policy`): the settings
// reach the build options `contour serve` builds with, header names are checked as Contour checks them, and
// a build with them sets the headers on HTTPProxy upstreams (Ingress ones only with applyToIngress).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serveConfigFromArgs } from '../../src/cli/commands/serve.js';
import { configFileParser } from './with-config-file.js';
import { applySpecSettings, buildOptionsOf } from '../../src/cli/serve-settings.js';
import { contourConfigurationSpecSchema } from '../../src/apis/contourconfiguration.js';
import { buildDag } from '../../src/dag/build.js';
import { createStore } from '../../src/store/store.js';
import type { KubeObject } from '../../src/apis/meta.js';
import type { WeightedCluster } from '../../src/dag/types.js';

const withFile = configFileParser('contour-policy-');

const policyFile = `policy:
  request-headers:
    set: {x-env: prod, Host: upstream.internal}
    remove: [x-debug]
  response-headers:
    set: {X-Frame-Options: DENY}
  applyToIngress: true
`;

const objects: KubeObject[] = [
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: 'default', name: 'web' },
    spec: { ports: [{ name: 'http', port: 80 }] },
  },
  {
    apiVersion: 'projectcontour.io/v1',
    kind: 'HTTPProxy',
    metadata: { namespace: 'default', name: 'app' },
    spec: { virtualhost: { fqdn: 'app.example.com' }, routes: [{ services: [{ name: 'web', port: 80 }] }] },
  },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { namespace: 'default', name: 'legacy' },
    spec: {
      rules: [
        {
          host: 'legacy.example.com',
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
            ],
          },
        },
      ],
    },
  },
] as KubeObject[];

/** The upstream (weighted cluster) of each plaintext host's first route. */
const upstreams = (options: ReturnType<typeof buildOptionsOf>): Record<string, WeightedCluster> => {
  const store = createStore();
  for (const object of objects) store.apply({ type: 'upsert', object });
  const { dag } = buildDag(store, options);
  return Object.fromEntries(
    dag.httpVirtualHosts.map((host) => {
      const action = host.routes[0].action;
      assert.equal(action.kind, 'cluster');
      return [host.fqdn, action.clusters[0]];
    }),
  );
};

describe('global header policy (policy.request-headers, response-headers, applyToIngress)', () => {
  it('goes from the config file to the build options', () => {
    assert.deepEqual(buildOptionsOf(withFile(policyFile)).globalHeadersPolicy, {
      request: { set: { 'x-env': 'prod', Host: 'upstream.internal' }, remove: ['x-debug'] },
      response: { set: { 'X-Frame-Options': 'DENY' } },
      applyToIngress: true,
    });
    assert.equal(buildOptionsOf(withFile('disablePermitInsecure: false\n')).globalHeadersPolicy, undefined);
  });

  it('goes from a ContourConfiguration to the build options', () => {
    const flags = serveConfigFromArgs([], {});
    const spec = contourConfigurationSpecSchema.parse({
      policy: { responseHeaders: { remove: ['Server'] } },
    });
    assert.deepEqual(buildOptionsOf(applySpecSettings(flags, spec, 'crd', new Set())).globalHeadersPolicy, {
      response: { remove: ['Server'] },
    });
  });

  it("refuses a header name Kubernetes' IsHTTPHeaderName refuses, as Contour's file validation", () => {
    assert.throws(
      () => withFile('policy:\n  request-headers:\n    remove: [x_debug]\n'),
      /policy\.request-headers: invalid header name "x_debug"/,
    );
    assert.throws(
      () => withFile('policy:\n  response-headers:\n    set: {"x.y": a}\n'),
      /policy\.response-headers: invalid header name "x\.y"/,
    );
  });

  it('sets the headers on HTTPProxy and, with applyToIngress, Ingress upstreams', () => {
    const expected = {
      requestHeaders: {
        set: [{ name: 'X-Env', value: 'prod' }],
        remove: ['X-Debug'],
        hostRewrite: 'upstream.internal',
      },
      responseHeaders: { set: [{ name: 'X-Frame-Options', value: 'DENY' }], remove: [] },
    };
    const withIngress = upstreams(buildOptionsOf(withFile(policyFile)));
    for (const host of ['app.example.com', 'legacy.example.com']) {
      assert.deepEqual(withIngress[host].requestHeaders, expected.requestHeaders, host);
      assert.deepEqual(withIngress[host].responseHeaders, expected.responseHeaders, host);
    }
    const proxiesOnly = upstreams(
      buildOptionsOf(withFile(policyFile.replace('applyToIngress: true', 'applyToIngress: false'))),
    );
    assert.deepEqual(proxiesOnly['app.example.com'].requestHeaders, expected.requestHeaders);
    assert.equal(proxiesOnly['legacy.example.com'].requestHeaders, undefined);
    assert.equal(proxiesOnly['legacy.example.com'].responseHeaders, undefined);
  });
});
