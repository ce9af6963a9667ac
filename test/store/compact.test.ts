// What the store keeps of an object: managedFields, the last-applied annotation and unused Secret data
// are dropped (without touching the caller's object); an object with nothing to drop is kept as it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/apis/meta.js';
import { compactObject } from '../../src/store/compact.js';

test('compactObject strips managedFields, bulky annotations and unused Secret data', () => {
  const proxy = {
    apiVersion: 'projectcontour.io/v1',
    kind: 'HTTPProxy',
    metadata: {
      namespace: 'a',
      name: 'p',
      managedFields: [{ manager: 'kubectl' }],
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', keep: 'yes' },
    },
    spec: { virtualhost: { fqdn: 'x.test' } },
  } as KubeObject;
  const compact = compactObject(proxy);
  assert.deepEqual(compact.metadata, { namespace: 'a', name: 'p', annotations: { keep: 'yes' } });
  assert.equal(compact.spec, proxy.spec);
  assert.ok('managedFields' in proxy.metadata, "the caller's object is not changed");
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { namespace: 'a', name: 's' },
    data: { 'tls.crt': 'Y2VydA==', 'tls.key': 'a2V5', other: 'eA==' },
  } as KubeObject;
  assert.deepEqual(compactObject(secret).data, { 'tls.crt': 'Y2VydA==', 'tls.key': 'a2V5' });
  assert.deepEqual(Object.keys(secret.data as object), ['tls.crt', 'tls.key', 'other']);
});

test('an object with nothing to strip is stored as it is, not copied', () => {
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: 'a', name: 's', annotations: { keep: 'yes' } },
    spec: { ports: [{ port: 80 }] },
  } as KubeObject;
  assert.equal(compactObject(service), service);
});
