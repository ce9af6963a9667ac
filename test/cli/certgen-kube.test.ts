// `contour certgen --kube` against a real kube-apiserver (envtest): creates the Secrets, keeps existing ones
// unless --overwrite, then replaces them.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import type { KubeObject } from '../../src/apis/meta.js';
import {
  createNamespace,
  getObject,
  startTestCluster,
  uniqueName,
  type TestCluster,
} from '../../scripts/envtest/harness.js';
import { runContourAsync } from './run.js';

type SecretObject = KubeObject & { type: string; data: Record<string, string> };

describe('contour certgen --kube', () => {
  let cluster: TestCluster;
  let namespace: string;
  before(async () => {
    cluster = await startTestCluster();
    namespace = uniqueName('certgen');
    await createNamespace(cluster.client, namespace);
  });
  after(async () => {
    await cluster?.stop();
  });

  const secret = (name: string) => getObject<SecretObject>(cluster.client, 'v1', 'Secret', namespace, name);
  const certgen = (...flags: string[]) =>
    runContourAsync(['certgen', '--kube', `--namespace=${namespace}`, '--secrets-format=compact', ...flags], {
      KUBECONFIG: cluster.kubeconfig,
    });

  it('writes contourcert and envoycert, and replaces them only with --overwrite', async () => {
    const first = await certgen();
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /secret\/contourcert updated/);
    const contour = await secret('contourcert');
    const envoy = await secret('envoycert');
    assert.equal(contour?.type, 'kubernetes.io/tls');
    assert.deepEqual(Object.keys(envoy?.data ?? {}).sort(), ['ca.crt', 'tls.crt', 'tls.key']);
    const certificate = new X509Certificate(Buffer.from(contour?.data['tls.crt'] ?? '', 'base64'));
    assert.match(certificate.subjectAltName ?? '', new RegExp(`DNS:contour\\.${namespace}\\.svc`));

    const again = await certgen();
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /secret\/contourcert already exists/);
    assert.equal((await secret('contourcert'))?.data['tls.crt'], contour?.data['tls.crt'], 'kept');

    const overwritten = await certgen('--overwrite');
    assert.equal(overwritten.status, 0, overwritten.stderr);
    assert.notEqual((await secret('contourcert'))?.data['tls.crt'], contour?.data['tls.crt'], 'replaced');
  });
});
