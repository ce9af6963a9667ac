// The Ingress processor's TLS handling: spec.tls Secrets (same namespace, namespace/name,
// tls-cert-namespace, delegation), redirects, allow-http, protocol versions.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { VirtualHost } from '../../../src/dag/types.js';
import { backend, buildIngresses, ingress, rule, service, tlsSecret } from './fixtures.js';

const hostOf = (hosts: VirtualHost[], fqdn: string): VirtualHost => {
  const host = hosts.find((candidate) => candidate.fqdn === fqdn);
  assert.ok(host, `virtual host ${fqdn} exists (have: ${hosts.map((h) => h.fqdn).join(', ')})`);
  return host;
};

describe('processIngresses: TLS', () => {
  const tlsIngress = (
    name: string,
    secretName: string,
    annotations?: Record<string, string>,
    namespace = 'default',
    host = 'secure.example.com',
  ) =>
    ingress(
      namespace,
      name,
      { tls: [{ hosts: [host], secretName }], rules: [rule(host, [['/', 'Prefix', backend('web', 80)]])] },
      annotations,
    );

  it('serves TLS hosts with the Secret and keeps plaintext routes (no redirect without force-ssl-redirect)', () => {
    const { dag, diagnostics } = buildIngresses([
      service('default', 'web'),
      tlsSecret('default', 'cert'),
      tlsIngress('site', 'cert'),
    ]);
    assert.deepEqual(diagnostics, []);
    const secure = dag.httpsVirtualHosts[0];
    assert.equal(secure.fqdn, 'secure.example.com');
    assert.equal(secure.minTlsVersion, '1.2');
    assert.equal(secure.maxTlsVersion, '1.3');
    assert.equal(dag.secrets.length, 1);
    assert.equal(secure.secret, dag.secrets[0].name);
    assert.match(secure.secret ?? '', /^default\/cert\/[0-9a-f]{10}$/);
    assert.equal(secure.routes.length, 1);
    const plain = hostOf(dag.httpVirtualHosts, 'secure.example.com').routes[0];
    assert.equal(plain.httpsRedirect, false);
    assert.equal(plain.action.kind, 'cluster');
  });

  it('redirects plaintext to HTTPS with force-ssl-redirect, even with allow-http "false"', () => {
    const { dag } = buildIngresses([
      service('default', 'web'),
      tlsSecret('default', 'cert'),
      tlsIngress('site', 'cert', {
        'ingress.kubernetes.io/force-ssl-redirect': 'true',
        'kubernetes.io/ingress.allow-http': 'false',
      }),
    ]);
    assert.equal(hostOf(dag.httpVirtualHosts, 'secure.example.com').routes[0].httpsRedirect, true);
    assert.equal(dag.httpsVirtualHosts[0].routes[0].action.kind, 'cluster');
  });

  it('serves only HTTPS with allow-http "false"', () => {
    const { dag } = buildIngresses([
      service('default', 'web'),
      tlsSecret('default', 'cert'),
      tlsIngress('site', 'cert', { 'kubernetes.io/ingress.allow-http': 'false' }),
    ]);
    assert.deepEqual(dag.httpVirtualHosts, []);
    assert.equal(dag.httpsVirtualHosts.length, 1);
  });

  it('warns that a host without TLS is not served when allow-http is "false"', () => {
    const { dag, diagnostics } = buildIngresses([
      service('default', 'web'),
      ingress(
        'default',
        'site',
        {
          rules: [
            rule('plain.example.com', [
              ['/', 'Prefix', backend('web', 80)],
              ['/x', 'Prefix', backend('web', 80)],
            ]),
          ],
        },
        { 'kubernetes.io/ingress.allow-http': 'false' },
      ),
    ]);
    assert.deepEqual(dag.httpVirtualHosts, []);
    assert.deepEqual(dag.clusters, []);
    assert.deepEqual(
      diagnostics.map((diagnostic) => [diagnostic.level, diagnostic.reason, diagnostic.message]),
      [
        [
          'warning',
          'HostNotServed',
          'host "plain.example.com" is not served: kubernetes.io/ingress.allow-http is "false" and the host has no TLS certificate',
        ],
      ],
    );
  });

  it('applies TLS version annotations, and refuses min > max', () => {
    const pinned = buildIngresses([
      service('default', 'web'),
      tlsSecret('default', 'cert'),
      tlsIngress('site', 'cert', { 'projectcontour.io/tls-minimum-protocol-version': '1.3' }),
    ]);
    assert.equal(pinned.dag.httpsVirtualHosts[0].minTlsVersion, '1.3');
    const inverted = buildIngresses([
      service('default', 'web'),
      tlsSecret('default', 'cert'),
      tlsIngress('site', 'cert', {
        'projectcontour.io/tls-minimum-protocol-version': '1.3',
        'projectcontour.io/tls-maximum-protocol-version': '1.2',
      }),
    ]);
    assert.deepEqual(inverted.dag.httpsVirtualHosts, []);
    assert.equal(inverted.dag.httpVirtualHosts.length, 1);
    assert.match(
      inverted.diagnostics[0].message,
      /minimum TLS protocol version \(1\.3\) is greater than the maximum/,
    );
  });

  it('reports a missing or invalid Secret and serves plaintext only', () => {
    const broken = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { namespace: 'default', name: 'broken' },
      type: 'kubernetes.io/tls',
      stringData: { 'tls.crt': 'not a certificate', 'tls.key': 'nor a key' },
    };
    const { dag, diagnostics } = buildIngresses([
      service('default', 'web'),
      broken,
      tlsIngress('a', 'missing', undefined, 'default', 'a.example.com'),
      tlsIngress('b', 'broken', undefined, 'default', 'b.example.com'),
    ]);
    assert.deepEqual(dag.httpsVirtualHosts, []);
    assert.deepEqual(dag.secrets, []);
    assert.equal(dag.httpVirtualHosts.length, 2);
    assert.deepEqual(
      diagnostics.map((diagnostic) => [diagnostic.ingress.name, diagnostic.field]),
      [
        ['a', 'spec.tls[0]'],
        ['b', 'spec.tls[0]'],
      ],
    );
    assert.match(diagnostics[0].message, /unresolved secret reference "default\/missing": Secret not found/);
    assert.match(
      diagnostics[1].message,
      /unresolved secret reference "default\/broken": invalid TLS certificate/,
    );
  });

  it('uses another namespace’s Secret only when delegated (namespace/name or tls-cert-namespace)', () => {
    const delegation = {
      apiVersion: 'projectcontour.io/v1',
      kind: 'TLSCertificateDelegation',
      metadata: { namespace: 'certs', name: 'delegate' },
      spec: { delegations: [{ secretName: 'shared', targetNamespaces: ['apps'] }] },
    };
    const objects = [
      service('apps', 'web'),
      service('other', 'web'),
      tlsSecret('certs', 'shared'),
      tlsIngress('slash', 'certs/shared', undefined, 'apps', 'slash.example.com'),
      tlsIngress(
        'annotated',
        'shared',
        { 'projectcontour.io/tls-cert-namespace': 'certs' },
        'apps',
        'annotated.example.com',
      ),
      tlsIngress('undelegated', 'certs/shared', undefined, 'other', 'undelegated.example.com'),
    ];
    const delegated = buildIngresses([...objects, delegation]);
    assert.deepEqual(
      delegated.dag.httpsVirtualHosts.map((host) => host.fqdn),
      ['annotated.example.com', 'slash.example.com'],
    );
    assert.deepEqual(
      delegated.diagnostics.map((diagnostic) => diagnostic.ingress.name),
      ['undelegated'],
    );
    assert.match(delegated.diagnostics[0].message, /certificate delegation not permitted/);
    // Without the delegation no cross-namespace use is allowed.
    const undelegated = buildIngresses(objects);
    assert.deepEqual(undelegated.dag.httpsVirtualHosts, []);
    assert.deepEqual(
      undelegated.diagnostics.map((diagnostic) => diagnostic.ingress.name),
      ['annotated', 'slash', 'undelegated'],
    );
  });

  it('serves TLS only for hosts listed in spec.tls, and adds other Ingresses’ routes for those hosts', () => {
    const { dag } = buildIngresses([
      service('default', 'web'),
      service('default', 'api'),
      tlsSecret('default', 'cert'),
      ingress('default', 'a-tls', {
        tls: [{ hosts: ['secure.example.com'], secretName: 'cert' }],
        rules: [
          rule('secure.example.com', [['/', 'Prefix', backend('web', 80)]]),
          rule('plain.example.com', [['/', 'Prefix', backend('web', 80)]]),
        ],
      }),
      ingress('default', 'b-api', {
        rules: [rule('secure.example.com', [['/api', 'Prefix', backend('api', 80)]])],
      }),
    ]);
    assert.deepEqual(
      dag.httpsVirtualHosts.map((host) => [host.fqdn, host.routes.map((route) => route.match.path.value)]),
      [['secure.example.com', ['/api', '/']]],
    );
    assert.deepEqual(
      dag.httpVirtualHosts.map((host) => host.fqdn),
      ['plain.example.com', 'secure.example.com'],
    );
  });

  it('lets the later Ingress (by namespace/name) win a shared host’s TLS settings and same-match routes', () => {
    const { dag } = buildIngresses([
      service('default', 'one'),
      service('default', 'two'),
      tlsSecret('default', 'cert-one', 'one'),
      tlsSecret('default', 'cert-two', 'two'),
      tlsIngress('b', 'cert-two'),
      ingress('default', 'a', {
        tls: [{ hosts: ['secure.example.com'], secretName: 'cert-one' }],
        rules: [rule('secure.example.com', [['/', 'Prefix', backend('one', 80)]])],
      }),
    ]);
    // "b" routes to web (missing here: 503); it sorts after "a" so its route and certificate win.
    assert.match(dag.httpsVirtualHosts[0].secret ?? '', /^default\/cert-two\//);
    assert.deepEqual(dag.httpsVirtualHosts[0].routes[0].source, {
      kind: 'Ingress',
      namespace: 'default',
      name: 'b',
    });
  });
});
