// The debug and health listeners against a browser-borne attacker (DNS rebinding), other methods than
// GET/HEAD, and a reader of the debug pages: no private key ever leaves outside SDS (issue 13, items 8-9).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningServe } from '../../src/cli/serve-runner.js';
import { rawRequest, serveQuickstart } from './http-helpers.js';

const debugPaths = [
  '/debug/status',
  '/debug/dag',
  '/debug/dag?format=json',
  '/debug/xds',
  '/debug/xds/clients',
  '/debug/readiness',
];

describe('debug and health listeners', () => {
  let running: RunningServe;
  let stop: () => Promise<void>;

  before(async () => {
    ({ running, stop } = await serveQuickstart());
  });
  after(() => stop());

  it('serves no private key on any debug page, and says where one was', async () => {
    for (const path of debugPaths) {
      const response = await rawRequest(running.debug.port, path);
      assert.equal(response.status, 200, path);
      assert.doesNotMatch(response.body, /PRIVATE KEY/, `${path} shows a private key`);
    }
    const dag = JSON.parse((await rawRequest(running.debug.port, '/debug/dag?format=json')).body) as {
      secrets: { name: string; privateKey?: string; certificateChain?: string }[];
    };
    assert.ok(dag.secrets.length > 0, 'the quickstart has a TLS secret');
    for (const secret of dag.secrets) {
      assert.equal(secret.privateKey, '[redacted]', secret.name);
      assert.match(secret.certificateChain ?? '', /BEGIN CERTIFICATE/, 'certificates stay visible');
    }
  });

  it('answers loopback Host names on the debug listener', async () => {
    const port = running.debug.port;
    for (const host of [
      'localhost',
      `localhost:${port}`,
      'LOCALHOST.',
      '127.0.0.1',
      `127.1.2.3:${port}`,
      '[::1]',
      `[::1]:${port}`,
    ]) {
      const response = await rawRequest(port, '/debug/readiness', { host });
      assert.equal(response.status, 200, host);
    }
  });

  it('refuses other Host names on the debug listener (DNS rebinding)', async () => {
    const port = running.debug.port;
    for (const host of [
      'evil.example',
      `evil.example:${port}`,
      'localhost.evil.example',
      '127.0.0.1.evil.example',
      '10.0.0.1',
      '[::2]',
      `127.0.0.1:${port}x`,
      'localhost:',
    ]) {
      const response = await rawRequest(port, '/debug/dag', { host });
      assert.equal(response.status, 403, host);
      assert.match(response.body, /Host/, 'the refusal says why');
      assert.doesNotMatch(response.body, /PRIVATE KEY|BEGIN CERTIFICATE/);
    }
  });

  it('answers any Host on the health listener (kubelet probes by IP)', async () => {
    const response = await rawRequest(running.health.port, '/readyz', { host: '10.1.2.3:8000' });
    assert.equal(response.status, 200);
  });

  it('accepts only GET and HEAD on both listeners', async () => {
    for (const [port, path] of [
      [running.debug.port, '/debug/status'],
      [running.health.port, '/healthz'],
    ] as const) {
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
        const response = await rawRequest(port, path, { method });
        assert.equal(response.status, 405, `${method} ${path}`);
        assert.equal(response.headers.allow, 'GET, HEAD', `${method} ${path}`);
      }
      const head = await rawRequest(port, path, { method: 'HEAD' });
      assert.equal(head.status, 200, `HEAD ${path}`);
      assert.equal(head.body, '', `HEAD ${path} has no body`);
    }
  });
});
