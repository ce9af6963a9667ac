// Contour's metrics server (`--http-address`/`--http-port`, `metrics.contour`): /metrics on its own listener
// with the health listener's protections, and over TLS with client certificates verified when a CA is set.
// Real handshakes against `contour serve` in-process, with certificates from src/certs.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { TLSSocket } from 'node:tls';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseServeConfig, type ServeConfig } from '../../src/cli/config.js';
import { startServe, type RunningServe } from '../../src/cli/serve-runner.js';
import { silentLogger } from '../../src/util/logger.js';
import type { GeneratedCertificates } from '../../src/certs/generate.js';
import { loopbackFlags } from './http-helpers.js';
import { waitFor } from '../helpers/wait.js';
import { issue, writeAtomically, writeServerFiles } from './helpers.js';

const quickstart = fileURLToPath(new URL('../../examples/quickstart', import.meta.url));

interface Answer {
  status: number;
  body: string;
  /** The TLS version negotiated, when over TLS. */
  protocol?: string;
}

interface ClientOptions {
  ca?: string;
  cert?: string;
  key?: string;
  method?: string;
}

/** One request to address:port; over TLS when `tls` is given (the server name is contour's Service). */
const get = (address: string, port: number, path: string, tls?: ClientOptions, method = 'GET') =>
  new Promise<Answer>((resolve, reject) => {
    const options = { host: address, port, path, method, agent: false as const };
    const onResponse = (response: import('node:http').IncomingMessage) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          body,
          protocol:
            response.socket instanceof TLSSocket ? (response.socket.getProtocol() ?? undefined) : undefined,
        }),
      );
    };
    const request = tls
      ? httpsRequest({ ...options, ...tls, servername: 'contour' }, onResponse)
      : httpRequest(options, onResponse);
    request.on('error', reject);
    request.end();
  });

describe('the contour metrics server', () => {
  let dir: string;
  let set: GeneratedCertificates;
  let other: GeneratedCertificates;
  const running: RunningServe[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'contour-metrics-server-'));
    await cp(quickstart, join(dir, 'manifests'), { recursive: true });
    set = issue();
    other = issue();
  });
  after(async () => {
    await Promise.all(running.map((serve) => serve.stop()));
    await rm(dir, { recursive: true, force: true });
  });

  const serve = async (edit: (config: ServeConfig) => ServeConfig): Promise<RunningServe> => {
    const config = edit(parseServeConfig(loopbackFlags(join(dir, 'manifests')), {}));
    const started = await startServe(config, silentLogger());
    running.push(started);
    await started.serving;
    return started;
  };

  it('serves /metrics beside /healthz and /readyz by default (one listener)', async () => {
    const started = await serve((config) => config);
    assert.equal(started.metrics, started.health);
    const metrics = await get('127.0.0.1', started.health.port, '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.body, /^# HELP /m);
  });

  it('--http-address/--http-port: /metrics on its own listener, /healthz and /readyz stay', async () => {
    // 127.0.0.2 is loopback too, so both listeners may take port 0 and still differ.
    const started = await serve((config) => ({ ...config, metricsAddress: '127.0.0.2', metricsPort: 0 }));
    assert.notEqual(started.metrics, started.health);
    const metrics = await get('127.0.0.2', started.metrics.port, '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.body, /contour_build_info/);
    assert.equal((await get('127.0.0.2', started.metrics.port, '/readyz')).status, 404);
    assert.equal((await get('127.0.0.1', started.health.port, '/metrics')).status, 404);
    assert.equal((await get('127.0.0.1', started.health.port, '/healthz')).status, 200);
    // The health listener's request guard applies: read-only methods only.
    assert.equal((await get('127.0.0.2', started.metrics.port, '/metrics', undefined, 'POST')).status, 405);
  });

  it('over TLS 1.3 without a CA: any client, no client certificate', async () => {
    mkdirSync(join(dir, 'no-ca'));
    const files = writeServerFiles(join(dir, 'no-ca'), set);
    const started = await serve((config) => ({
      ...config,
      metricsAddress: '127.0.0.2',
      metricsPort: 0,
      metricsTls: { certFile: files.certFile, keyFile: files.keyFile },
    }));
    const answer = await get('127.0.0.2', started.metrics.port, '/metrics', { ca: set.caCertificate });
    assert.equal(answer.status, 200);
    assert.equal(answer.protocol, 'TLSv1.3');
    // Plain HTTP gets no metrics from a TLS listener.
    await assert.rejects(get('127.0.0.2', started.metrics.port, '/metrics'));
    // TLS 1.2 is refused, as Contour's metrics server (TLS 1.3 minimum).
    await assert.rejects(
      get('127.0.0.2', started.metrics.port, '/metrics', {
        ca: set.caCertificate,
        ...({ maxVersion: 'TLSv1.2' } as ClientOptions),
      }),
    );
  });

  it('with a CA: only clients presenting a certificate it signed; rotated files apply to new connections', async () => {
    const serverDir = join(dir, 'with-ca');
    mkdirSync(serverDir);
    const files = writeServerFiles(serverDir, set);
    const started = await serve((config) => ({
      ...config,
      metricsAddress: '127.0.0.2',
      metricsPort: 0,
      metricsTls: files,
    }));
    const port = started.metrics.port;
    const good = {
      ca: set.caCertificate,
      cert: set.envoyCertificate,
      key: set.envoyPrivateKey,
    };
    const answer = await get('127.0.0.2', port, '/metrics', good);
    assert.equal(answer.status, 200);
    assert.match(answer.body, /^# HELP /m);
    await assert.rejects(get('127.0.0.2', port, '/metrics', { ca: set.caCertificate }), 'no client cert');
    await assert.rejects(
      get('127.0.0.2', port, '/metrics', {
        ca: set.caCertificate,
        cert: other.envoyCertificate,
        key: other.envoyPrivateKey,
      }),
      'a client certificate from another CA',
    );
    // Rotate to another CA: the old client is refused, the new one served (no restart).
    writeAtomically(files.caFile, other.caCertificate);
    writeAtomically(files.certFile, other.contourCertificate);
    writeAtomically(files.keyFile, other.contourPrivateKey);
    const rotated = {
      ca: other.caCertificate,
      cert: other.envoyCertificate,
      key: other.envoyPrivateKey,
    };
    // The watcher applies the new files shortly after; wait on the outcome, not on a clock.
    for (;;) {
      const outcome = await get('127.0.0.2', port, '/metrics', rotated).catch(() => undefined);
      if (outcome?.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await assert.rejects(get('127.0.0.2', port, '/metrics', good));
  });

  it('over TLS keeps the listener bounds: silent and half-open connections are closed, the limit holds', async () => {
    mkdirSync(join(dir, 'bounds'));
    const files = writeServerFiles(join(dir, 'bounds'), set);
    const started = await serve((config) => ({
      ...config,
      metricsAddress: '127.0.0.2',
      metricsPort: 0,
      metricsTls: { certFile: files.certFile, keyFile: files.keyFile },
      httpLimits: {
        maxConnections: 2,
        headersTimeoutMs: 300,
        requestTimeoutMs: 600,
        keepAliveTimeoutMs: 300,
      },
    }));
    const port = started.metrics.port;
    const open = () =>
      new Promise<{ socket: Socket; closed: () => boolean }>((resolve, reject) => {
        let closed = false;
        const socket = connect(port, '127.0.0.2', () => resolve({ socket, closed: () => closed }));
        socket.on('close', () => (closed = true));
        socket.on('error', () => undefined);
        socket.once('error', reject);
      });
    // Two connections that never start the handshake fill the listener: a third is dropped at once.
    const silent = [await open(), await open()];
    const third = await open();
    await waitFor('the connection past the limit to be closed', () => third.closed());
    // The silent ones are closed by the handshake (header) timeout; then TLS clients are served again.
    await waitFor('silent connections to be closed', () => silent.every((s) => s.closed()));
    const answer = await get('127.0.0.2', port, '/metrics', { ca: set.caCertificate });
    assert.equal(answer.status, 200);
  });

  it('refuses to start with unusable TLS files, naming them', async () => {
    const config = parseServeConfig(loopbackFlags(join(dir, 'manifests')), {});
    await assert.rejects(
      startServe(
        {
          ...config,
          metricsAddress: '127.0.0.2',
          metricsPort: 0,
          metricsTls: { certFile: join(dir, 'absent.crt'), keyFile: join(dir, 'absent.key') },
        },
        silentLogger(),
      ),
      /metrics server: cannot read certificate file ".*absent\.crt"/,
    );
  });
});
