// Issue 13, item 3: a Secret whose PEM is 200,000 BEGIN lines (or just huge) is refused quickly, with
// a message naming the problem, and the refusal reaches the status of the proxy that uses it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { callWithDeadline } from '../helpers/deadline.js';
import { b64, buildFromYaml, certA, keyA, serviceYaml } from '../dag/fixtures.js';
import { parsePemBlocks } from '../../src/util/pem.js';
import { defaultInputLimits } from '../../src/dag/limits.js';

const deadlineMs = 10_000;
const fixtures = new URL('./pem-fixtures.ts', import.meta.url);
const beginLines = '-----BEGIN CERTIFICATE-----\n'.repeat(200_000);

describe('hostile PEM in Secrets', () => {
  it('refuses 200,000 BEGIN CERTIFICATE lines in tls.crt without a quadratic scan', async () => {
    const error = await callWithDeadline<string | undefined>(
      fixtures,
      'tlsSecretError',
      [beginLines, keyA],
      deadlineMs,
    );
    assert.match(error ?? '', /PEM data is \d+ bytes, more than the limit of 1048576/);
  });

  it('refuses BEGIN lines without END under the size limit, in a CA bundle too', async () => {
    const error = await callWithDeadline<string | undefined>(
      fixtures,
      'caSecretError',
      [`${certA}${'-----BEGIN CERTIFICATE-----\n'.repeat(30_000)}`],
      deadlineMs,
    );
    assert.equal(error, 'invalid CA certificate bundle: PEM block "CERTIFICATE" has no END line');
  });

  it('refuses more PEM blocks than the limit', () => {
    const parsed = parsePemBlocks(certA.repeat(11), { ...defaultInputLimits, maxPemBlocks: 10 });
    assert.deepEqual(parsed, { error: 'PEM data has more than 10 blocks (the limit)' });
    const accepted = parsePemBlocks(certA.repeat(10), { ...defaultInputLimits, maxPemBlocks: 10 });
    assert.equal('blocks' in accepted && accepted.blocks.length, 10);
  });

  it('names the Secret and the limit in the status of the root that uses it', () => {
    const hostile = `${certA}${certA}${certA}`;
    const result = buildFromYaml(
      `${serviceYaml('default', 'web', '80')}
---
apiVersion: v1
kind: Secret
type: kubernetes.io/tls
metadata: {namespace: default, name: chain}
data:
  tls.crt: ${b64(hostile)}
  tls.key: ${b64(keyA)}
---
apiVersion: projectcontour.io/v1
kind: HTTPProxy
metadata: {namespace: default, name: root}
spec:
  virtualhost: {fqdn: a.example.com, tls: {secretName: chain}}
  routes: [{services: [{name: web, port: 80}]}]
`,
      { limits: { maxPemBlocks: 2 } },
    );
    const status = result.statuses.find((entry) => entry.name === 'root');
    assert.equal(status?.currentStatus, 'invalid');
    assert.match(
      JSON.stringify(status?.conditions),
      /Secret \\"chain\\" is invalid: invalid TLS certificate: PEM data has more than 2 blocks/,
    );
  });
});
