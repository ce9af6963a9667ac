// Unit tests for the resolution helpers the HTTPProxy and Ingress processors share: secrets and
// delegation, cluster identity, header/timeout/retry policies.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeCluster } from '../../src/dag/clusters.js';
import {
  buildHeadersPolicy,
  buildRetryPolicy,
  canonicalHeaderKey,
  escapeHeaderValue,
  parseTimeout,
} from '../../src/dag/policies.js';
import { createSecretResolver, splitSecretName } from '../../src/dag/secrets.js';
import { resolveService } from '../../src/dag/services.js';
import { b64, caCert, certA, certB, keyA, serviceYaml, storeFromYaml, tlsSecretYaml } from './fixtures.js';

describe('secrets', () => {
  const store = storeFromYaml(
    [
      tlsSecretYaml('certs', 'good'),
      tlsSecretYaml('certs', 'copy', certA, keyA),
      tlsSecretYaml('certs', 'wrong-key', certB, keyA),
      `apiVersion: v1
kind: Secret
type: Opaque
metadata: { namespace: certs, name: ca }
data: { ca.crt: ${b64(caCert)} }`,
      `apiVersion: v1
kind: Secret
type: kubernetes.io/dockerconfigjson
metadata: { namespace: certs, name: docker }
data: { tls.crt: ${b64(certA)}, tls.key: ${b64(keyA)} }`,
      `apiVersion: projectcontour.io/v1
kind: TLSCertificateDelegation
metadata: { namespace: certs, name: d }
spec:
  delegations:
  - { secretName: good, targetNamespaces: [team] }
  - { secretName: ca, targetNamespaces: ['*'] }
  - { secretName: wrong-key, targetNamespaces: ['*', other] }`,
    ].join('\n---\n'),
  );
  const secrets = createSecretResolver(store);

  it('names secrets by content, so equal content gives an equal name', () => {
    const found = secrets.tls('certs', 'good', 'certs');
    const same = secrets.tls('certs', 'copy', 'certs');
    assert.ok(found.ok && same.ok);
    assert.match(found.secret.name, /^certs\/good\/[0-9a-f]{10}$/);
    assert.equal(found.secret.name.split('/')[2], same.secret.name.split('/')[2]);
  });

  it('rejects a key that does not belong to the certificate', () => {
    const found = secrets.tls('certs', 'wrong-key', 'certs');
    assert.ok(!found.ok && found.reason === 'Invalid');
    assert.match(found.message, /does not match/);
  });

  it('rejects secret types other than kubernetes.io/tls and Opaque', () => {
    const found = secrets.tls('certs', 'docker', 'certs');
    assert.ok(!found.ok);
    assert.match(found.message, /secret type/);
  });

  it('checks delegation before existence, and honours "*" only as the sole target', () => {
    assert.equal(secrets.delegationPermitted('certs', 'good', 'team'), true);
    assert.equal(secrets.delegationPermitted('certs', 'good', 'other'), false);
    assert.equal(secrets.delegationPermitted('certs', 'ca', 'anywhere'), true);
    assert.equal(secrets.delegationPermitted('certs', 'wrong-key', 'anywhere'), false);
    assert.equal(secrets.delegationPermitted('certs', 'wrong-key', 'other'), true);
    const missing = secrets.tls('certs', 'nope', 'team');
    assert.ok(!missing.ok && missing.reason === 'NotPermitted');
  });

  it('validates CA bundles separately from serving certificates', () => {
    const ca = secrets.ca('certs', 'ca', 'team');
    assert.ok(ca.ok && ca.secret.caCertificate?.includes('BEGIN CERTIFICATE'));
    const notCa = secrets.ca('certs', 'good', 'certs');
    assert.ok(!notCa.ok);
    assert.match(notCa.message, /ca\.crt/);
  });

  it('splits namespace/name references', () => {
    assert.deepEqual(splitSecretName('a/b', 'x'), { namespace: 'a', name: 'b' });
    assert.deepEqual(splitSecretName('b', 'x'), { namespace: 'x', name: 'b' });
  });
});

describe('cluster identity', () => {
  const store = storeFromYaml(
    [serviceYaml('default', 'web', 'http:80', '8080'), serviceYaml('default', 'other', 'http:80')].join(
      '\n---\n',
    ),
  );
  const web80 = resolveService(store, 'default', 'web', 80, false);
  const web8080 = resolveService(store, 'default', 'web', '8080', false);
  const other = resolveService(store, 'default', 'other', 'http', false);
  assert.ok(web80.ok && web8080.ok && other.ok);

  it('gives equal settings equal names and different settings different names', () => {
    const a = makeCluster(web80.service, {});
    const b = makeCluster(web80.service, {});
    const h2 = makeCluster(web80.service, { protocol: 'h2' });
    assert.equal(a.name, b.name);
    assert.notEqual(a.name, h2.name);
    assert.match(a.name, /^default\/web\/80\/[0-9a-f]{10}$/);
    assert.notEqual(makeCluster(other.service, {}).name.split('/')[3], undefined);
  });

  it('names EDS by port name, or by number when the port has none', () => {
    assert.equal(makeCluster(web80.service, {}).edsName, 'default/web/http');
    assert.equal(makeCluster(web8080.service, {}).edsName, 'default/web/8080');
  });

  it('finds ports by number or by name, and reports what is missing', () => {
    assert.equal(other.service.port.port, 80);
    const missing = resolveService(store, 'default', 'web', 81, false);
    assert.ok(!missing.ok);
    assert.equal(missing.message, 'port "81" on service "default/web" not matched');
  });
});

describe('policies', () => {
  it('canonicalizes header names like Go', () => {
    assert.equal(canonicalHeaderKey('x-forwarded-FOR'), 'X-Forwarded-For');
    assert.equal(canonicalHeaderKey('bad header'), 'bad header');
  });

  it('escapes % for Envoy but keeps its operators and substitutes Contour variables', () => {
    assert.equal(escapeHeaderValue('100%', {}), '100%%');
    assert.equal(escapeHeaderValue('%HOSTNAME%', {}), '%HOSTNAME%');
    assert.equal(escapeHeaderValue('%REQ(x-a)%', {}), '%REQ(x-a)%');
    assert.equal(escapeHeaderValue('ns=%CONTOUR_NAMESPACE%', { CONTOUR_NAMESPACE: 'team' }), 'ns=team');
  });

  it('turns Host into a rewrite, from a literal or a request header', () => {
    assert.equal(
      buildHeadersPolicy({ set: [{ name: 'host', value: 'x.example.com' }] }, true, {}).policy?.hostRewrite,
      'x.example.com',
    );
    assert.equal(
      buildHeadersPolicy({ set: [{ name: 'Host', value: '%REQ(x-target)%' }] }, true, {}).policy
        ?.hostRewriteHeader,
      'X-Target',
    );
    assert.match(
      buildHeadersPolicy({ set: [{ name: 'Host', value: 'x' }] }, false, {}).error ?? '',
      /not supported/,
    );
    assert.match(
      buildHeadersPolicy({ remove: ['a', 'A'] }, true, {}).error ?? '',
      /duplicate header removal/,
    );
  });

  it('parses timeouts as Contour: empty and zero are defaults, infinity disables', () => {
    assert.deepEqual(parseTimeout(undefined), {});
    assert.deepEqual(parseTimeout('0s'), {});
    assert.deepEqual(parseTimeout('infinity'), { ms: 0 });
    assert.deepEqual(parseTimeout('1m30s'), { ms: 90_000 });
    assert.ok(parseTimeout('soon').error);
  });

  it('maps retry counts as Contour: -1 is none, 0 is one', () => {
    assert.equal(buildRetryPolicy({ count: -1 })?.numRetries, 0);
    assert.equal(buildRetryPolicy({ count: 0 })?.numRetries, 1);
    assert.equal(buildRetryPolicy({ count: 4 })?.numRetries, 4);
    assert.equal(buildRetryPolicy({ perTryTimeout: 'infinity' })?.perTryTimeoutMs, undefined);
    assert.equal(buildRetryPolicy(undefined), undefined);
  });
});
