// Contour's fallback certificate (config file `tls.fallback-certificate`, ContourConfiguration
// `spec.httpproxy.fallbackCertificate`): it reaches the build options, its namespace must be watched as in
// Contour, and a build serves hosts that enable it through the fallback filter chain.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serveConfigFromArgs } from '../../src/cli/commands/serve.js';
import { configFileParser } from './with-config-file.js';
import { applySpecSettings, buildOptionsOf, translateOptionsOf } from '../../src/cli/serve-settings.js';
import { contourConfigurationSpecSchema } from '../../src/apis/contourconfiguration.js';
import { translateStore } from '../../src/assemble/translate.js';
import { createStore } from '../../src/store/store.js';
import type { KubeObject } from '../../src/apis/meta.js';
import { wildcardKeyPair } from '../../bench/tls-fixture.js';
import type { Listener } from '../../src/gen/envoy/config/listener/v3/listener_pb.js';

const withFile = configFileParser('contour-fallback-');

const fallbackFile = 'tls:\n  fallback-certificate: {namespace: projectcontour, name: fallback}\n';

const pair = wildcardKeyPair();
const base64 = (text: string): string => Buffer.from(text).toString('base64');
const secret = (namespace: string, name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  type: 'kubernetes.io/tls',
  metadata: { namespace, name },
  data: { 'tls.crt': base64(pair.certificate), 'tls.key': base64(pair.privateKey) },
});

const objects: KubeObject[] = [
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: 'default', name: 'web' },
    spec: { ports: [{ name: 'http', port: 80 }] },
  },
  secret('default', 'cert'),
  secret('projectcontour', 'fallback'),
  {
    apiVersion: 'projectcontour.io/v1',
    kind: 'TLSCertificateDelegation',
    metadata: { namespace: 'projectcontour', name: 'fallback' },
    spec: { delegations: [{ secretName: 'fallback', targetNamespaces: ['*'] }] },
  },
  {
    apiVersion: 'projectcontour.io/v1',
    kind: 'HTTPProxy',
    metadata: { namespace: 'default', name: 'app' },
    spec: {
      virtualhost: { fqdn: 'app.example.com', tls: { secretName: 'cert', enableFallbackCertificate: true } },
      routes: [{ services: [{ name: 'web', port: 80 }] }],
    },
  },
];

describe('fallback certificate (tls.fallback-certificate)', () => {
  it('goes from the config file to the build options', () => {
    assert.deepEqual(buildOptionsOf(withFile(fallbackFile)).fallbackCertificate, {
      namespace: 'projectcontour',
      name: 'fallback',
    });
    assert.equal(buildOptionsOf(withFile('disablePermitInsecure: false\n')).fallbackCertificate, undefined);
  });

  it('goes from a ContourConfiguration to the build options; a blank one is unset, a half one refused', () => {
    const flags = serveConfigFromArgs([], {});
    const withSpec = (fallbackCertificate: unknown) =>
      applySpecSettings(
        flags,
        contourConfigurationSpecSchema.parse({ httpproxy: { fallbackCertificate } }),
        'crd',
        new Set(),
      );
    assert.deepEqual(withSpec({ namespace: 'ns', name: 'fb' }).fallbackCertificate, {
      namespace: 'ns',
      name: 'fb',
    });
    assert.equal(withSpec({ namespace: '', name: '' }).fallbackCertificate, undefined);
    assert.throws(
      () => withSpec({ namespace: 'ns', name: '' }),
      /spec\.httpproxy\.fallbackCertificate: name must be defined/,
    );
  });

  it("requires its namespace to be watched, as Contour's serve does", () => {
    assert.throws(
      () => withFile(fallbackFile, '--watch-namespaces', 'default'),
      /the fallbackCertificate namespace \(projectcontour\) must be watched/,
    );
    assert.doesNotThrow(() => withFile(fallbackFile, '--watch-namespaces', 'default,projectcontour'));
  });

  it('serves hosts that enable it through the fallback chain, also with --root-namespaces', () => {
    for (const roots of [[], ['default']]) {
      const config = withFile(
        fallbackFile,
        ...(roots.length > 0 ? ['--root-namespaces', roots.join(',')] : []),
      );
      const store = createStore();
      for (const object of objects) store.apply({ type: 'upsert', object });
      const { snapshot } = translateStore(store, buildOptionsOf(config), translateOptionsOf(config));
      const https = snapshot.resources('listener').get('ingress_https')?.message as Listener | undefined;
      const chains = https?.filterChains.map((chain) => chain.name || chain.filterChainMatch?.serverNames[0]);
      assert.deepEqual(chains, ['app.example.com', 'fallback-certificate'], `roots ${roots.join(',')}`);
      assert.ok(snapshot.resources('route').has('ingress_fallbackcert'));
      assert.ok(
        [...snapshot.resources('secret').keys()].some((name) => name.startsWith('projectcontour/fallback/')),
      );
    }
  });
});
