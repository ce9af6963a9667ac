// `contour envoy shutdown` and `contour envoy shutdown-manager` as real processes, against a
// stand-in Envoy admin API on a Unix socket: health checks failed first (retried as Contour does),
// connections polled from the Prometheus stats without Envoy's own listeners, the ready file
// written once they drained, and the manager's /shutdown answering only once that file exists.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { countOpenConnections, openConnectionsStatsPath } from '../../src/envoy-admin/open-connections.js';
import { openConnections } from '../../src/envoy-admin/drain.js';
import { freePort, startContour, type ContourProcess } from '../helpers/process.js';
import { runContourAsync } from './run.js';
import { waitFor } from '../helpers/wait.js';
import { envoyStatsText, startStandInEnvoyAdmin } from './envoy-admin-stand-in.js';

/** `contour envoy shutdown` against a stand-in admin socket, polling every 50 ms. */
const shutdownArgs = (socketPath: string, readyFile: string, extra: string[] = []): string[] => [
  'envoy',
  'shutdown',
  '--admin-address',
  socketPath,
  '--check-interval',
  '50ms',
  '--ready-file',
  readyFile,
  ...extra,
];

/** Starts `contour envoy shutdown-manager` on a free port; resolves once /healthz answers. */
const startManager = async (
  readyFile: string,
): Promise<{ manager: ContourProcess; port: number; healthz: Response }> => {
  const port = await freePort();
  const manager = startContour([
    'envoy',
    'shutdown-manager',
    '--serve-port',
    String(port),
    '--ready-file',
    readyFile,
  ]);
  const healthz = await waitFor(
    'the shutdown manager listening',
    () => fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined),
    60_000,
  );
  return { manager, port, healthz };
};

/** The JSON log lines of a process's output. */
const logLines = (output: string): Record<string, unknown>[] =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('Envoy open connections from Prometheus stats', () => {
  it('sums every HTTP connection manager except Envoy admin, stats and health listeners', () => {
    const text = envoyStatsText({
      admin: 1,
      'envoy-admin': 4,
      stats: 2,
      health: 8,
      'stats-health': 16,
      ingress_http: 3,
      ingress_https: 5,
    });
    assert.equal(countOpenConnections(text), 8);
  });

  it('refuses stats without the gauge, and a value that is not a number, naming them', () => {
    assert.throws(
      () => countOpenConnections('# TYPE other gauge\nother 1\n'),
      /envoy_http_downstream_cx_active/,
    );
    assert.throws(
      () => countOpenConnections(envoyStatsText({ ingress_http: 1 }).replace(' 1\n', ' many\n')),
      /value "many" is not a number/,
    );
  });

  it('asks for the filtered stat Contour asks for, and names the socket it cannot reach', async () => {
    assert.equal(openConnectionsStatsPath, '/stats/prometheus?filter=^http\\..*\\.downstream_cx_active$');
    await assert.rejects(openConnections('/nonexistent/admin.sock'), /\/nonexistent\/admin\.sock/);
  });
});

describe('contour envoy shutdown and shutdown-manager', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'contour-envoy-shutdown-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('fails health checks (retrying a refusal), polls until drained, then writes the ready file', async () => {
    const socketPath = join(dir, 'drain.sock');
    const readyFile = join(dir, 'drain-ok');
    const admin = await startStandInEnvoyAdmin({
      socketPath,
      ingressConnections: [3, 1, 0],
      failHealthcheckFailures: 1,
    });
    try {
      const result = await runContourAsync(shutdownArgs(socketPath, readyFile, ['--log-format', 'json']));
      assert.equal(result.status, 0, result.stderr);
      assert.ok(existsSync(readyFile), 'the ready file is written');
      assert.deepEqual(
        admin.requests.map((request) => `${request.method} ${request.url}`),
        [
          'POST /healthcheck/fail',
          'POST /healthcheck/fail',
          `GET ${openConnectionsStatsPath}`,
          `GET ${openConnectionsStatsPath}`,
          `GET ${openConnectionsStatsPath}`,
        ],
      );
      const logs = logLines(result.stderr);
      const polled = logs
        .filter((line) => line.msg === 'polled open connections')
        .map((line) => line.open_connections);
      assert.deepEqual(polled, [3, 1]);
      const done = logs.find((line) => line.msg === 'min number of open connections found, shutting down');
      assert.equal(done?.open_connections, 0);
    } finally {
      await admin.close();
    }
  });

  it('stops at --min-open-connections, and warns that --admin-port is ignored', async () => {
    const socketPath = join(dir, 'min.sock');
    const readyFile = join(dir, 'min-ok');
    const admin = await startStandInEnvoyAdmin({ socketPath, ingressConnections: [5, 2, 0] });
    try {
      const result = await runContourAsync([
        '--log-format=json',
        'envoy',
        'shutdown',
        `--admin-address=${socketPath}`,
        '--admin-port',
        '9001',
        '--check-interval=20ms',
        '--min-open-connections',
        '2',
        '--ready-file',
        readyFile,
      ]);
      assert.equal(result.status, 0, result.stderr);
      assert.ok(existsSync(readyFile));
      assert.equal(admin.requests.filter((request) => request.method === 'GET').length, 2);
      assert.ok(logLines(result.stderr).some((line) => /--admin-port is deprecated/.test(String(line.msg))));
    } finally {
      await admin.close();
    }
  });

  it('refuses bad flag values by name', async () => {
    const interval = await runContourAsync(['envoy', 'shutdown', '--check-interval', 'soon']);
    assert.notEqual(interval.status, 0);
    assert.match(interval.stderr, /--check-interval/);
    const count = await runContourAsync(['envoy', 'shutdown', '--min-open-connections', '-1']);
    assert.notEqual(count.status, 0);
    assert.match(count.stderr, /--min-open-connections/);
    const port = await runContourAsync(['envoy', 'shutdown-manager', '--serve-port', '70000']);
    assert.notEqual(port.status, 0);
    assert.match(port.stderr, /--serve-port/);
  });

  it('shutdown-manager on SIGTERM still answers a /shutdown waiting for a ready file that now exists', async () => {
    const readyFile = join(dir, 'sigterm-ok');
    const { manager, port } = await startManager(readyFile);
    try {
      const pending = fetch(`http://127.0.0.1:${port}/shutdown`).then(
        async (response) => `${response.status} ${await response.text()}`,
        (error: Error) => `failed: ${error.message}`,
      );
      await waitFor('/shutdown polling', () => /does not exist/.test(manager.output()));
      writeFileSync(readyFile, '');
      manager.child.kill('SIGTERM');
      assert.equal(await pending, '200 OK');
      assert.equal(await manager.exited, 0);
    } finally {
      await manager.stop();
    }
  });

  it('shutdown-manager: /healthz answers, /shutdown waits for the ready file that `envoy shutdown` writes', async () => {
    const socketPath = join(dir, 'manager.sock');
    const readyFile = join(dir, 'manager-ok');
    const { manager, port, healthz } = await startManager(readyFile);
    const admin = await startStandInEnvoyAdmin({ socketPath, ingressConnections: [1, 0] });
    try {
      assert.equal(healthz.status, 200);
      assert.equal(await healthz.text(), 'OK');

      // Kubelet's preStop GET of /shutdown: pending while the ready file does not exist.
      let answered: string | undefined;
      const shutdown = fetch(`http://127.0.0.1:${port}/shutdown`).then(async (response) => {
        answered = `${response.status} ${await response.text()}`;
      });
      await sleep(1500);
      assert.equal(answered, undefined, '/shutdown answered before the ready file existed');
      assert.match(manager.output(), /does not exist; checking again in 1s/);

      const drained = await runContourAsync(shutdownArgs(socketPath, readyFile));
      assert.equal(drained.status, 0, drained.stderr);
      assert.ok(admin.failingHealthchecks());
      await shutdown;
      assert.equal(answered, '200 OK');
      assert.match(manager.output(), /detected file .*manager-ok; sending HTTP response/);
    } finally {
      await admin.close();
      await manager.stop();
    }
  });
});
