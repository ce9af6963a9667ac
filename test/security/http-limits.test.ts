// Connection floods against the health listener (0.0.0.0 by default): a bounded number of connections,
// and idle or slow-header connections closed well before Node's 60 s (issue 13, item 10). Real sockets
// on loopback, in bounded counts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { RunningServe } from '../../src/cli/serve-runner.js';
import { parseServeConfig } from '../../src/cli/config.js';
import { waitFor } from '../helpers/wait.js';
import { loopbackFlags, rawRequest, serveQuickstart } from './http-helpers.js';

const maxConnections = 4;

interface WatchedSocket {
  socket: Socket;
  closed: boolean;
  received: string;
}

const open = (port: number): Promise<WatchedSocket> =>
  new Promise((resolve, reject) => {
    const watched: WatchedSocket = { socket: connect(port, '127.0.0.1'), closed: false, received: '' };
    watched.socket.setEncoding('utf8');
    watched.socket.on('data', (chunk: string) => (watched.received += chunk));
    watched.socket.on('close', () => (watched.closed = true));
    watched.socket.on('error', () => undefined);
    watched.socket.once('connect', () => resolve(watched));
    watched.socket.once('error', reject);
  });

/** GET /readyz on a keep-alive agent; tells whether the request reused an open connection. */
const readyzOn = (agent: Agent, port: number): Promise<{ status: number; reused: boolean }> =>
  new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, path: '/readyz', agent }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, reused: request.reusedSocket }));
    });
    request.on('error', reject);
    request.end();
  });

describe('health listener connection bounds', () => {
  let running: RunningServe;
  let stop: () => Promise<void>;
  const sockets: WatchedSocket[] = [];

  before(async () => {
    ({ running, stop } = await serveQuickstart({
      httpMaxConnections: String(maxConnections),
      httpHeadersTimeout: '1500ms',
      httpRequestTimeout: '2s',
      httpKeepaliveTimeout: '10s',
    }));
  });
  after(async () => {
    for (const { socket } of sockets) socket.destroy();
    await stop();
  });

  it('refuses connections past the limit while the open ones are still served', async () => {
    const port = running.health.port;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      assert.equal((await readyzOn(agent, port)).status, 200);
      const idle: WatchedSocket[] = [];
      for (let i = 0; i < maxConnections - 1; i += 1) idle.push(await open(port));
      const extra: WatchedSocket[] = [];
      for (let i = 0; i < 3; i += 1) extra.push(await open(port));
      sockets.push(...idle, ...extra);
      await waitFor('connections past the limit to be closed', () => extra.every((s) => s.closed));
      assert.ok(
        idle.every((s) => !s.closed),
        'connections within the limit are kept (until their header timeout)',
      );
      const again = await readyzOn(agent, port);
      assert.deepEqual(again, { status: 200, reused: true }, 'an existing keep-alive connection is served');
    } finally {
      agent.destroy();
    }
  });

  it('closes connections that send nothing after the header timeout, then serves new ones', async () => {
    const port = running.health.port;
    const idle: WatchedSocket[] = [];
    for (let i = 0; i < maxConnections; i += 1) idle.push(await open(port));
    sockets.push(...idle);
    // Node's own default would keep them for 60 s (checked every 30 s); the bound here is 1.5 s.
    await waitFor('idle connections to be closed', () => idle.every((s) => s.closed), 15_000);
    assert.equal((await rawRequest(port, '/readyz')).status, 200);
  });

  it('closes a connection that trickles its headers after the header timeout', async () => {
    const port = running.health.port;
    const slow = await open(port);
    sockets.push(slow);
    slow.socket.write('GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    let line = 0;
    const drip = setInterval(() => {
      if (!slow.closed) slow.socket.write(`x-slow-${line++}: y\r\n`);
    }, 100);
    try {
      await waitFor('the slow-header connection to be closed', () => slow.closed, 15_000);
    } finally {
      clearInterval(drip);
    }
    assert.ok(line > 3, 'headers kept arriving until the server closed the connection');
    assert.doesNotMatch(slow.received, /^HTTP\/1\.1 200/, 'the request was never served');
  });
});

describe('HTTP limit flags', () => {
  it('refuses values that are not positive', () => {
    for (const [flag, key, value] of [
      ['--http-max-connections', 'httpMaxConnections', '0'],
      ['--http-max-connections', 'httpMaxConnections', 'many'],
      ['--http-headers-timeout', 'httpHeadersTimeout', '0s'],
      ['--http-request-timeout', 'httpRequestTimeout', 'soon'],
      ['--http-keepalive-timeout', 'httpKeepaliveTimeout', '0s'],
    ] as const) {
      assert.throws(() => parseServeConfig(loopbackFlags('dir', { [key]: value }), {}), new RegExp(flag));
    }
  });

  it('refuses a request timeout shorter than the header timeout', () => {
    assert.throws(
      () =>
        parseServeConfig(loopbackFlags('dir', { httpHeadersTimeout: '5s', httpRequestTimeout: '1s' }), {}),
      /--http-request-timeout/,
    );
  });
});
