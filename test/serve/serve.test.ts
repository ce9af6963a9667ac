// `contour serve --manifests` as a real process: readiness, live changes, debug endpoints, shutdown.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, getJson, standaloneServeArgs, startContour } from '../helpers/process.js';
import { waitFor } from '../helpers/wait.js';
import { typeUrls } from '../../src/envoy/resources.js';
import { connect as connectXds, openSotw, sotwNames } from '../xds/client.js';

const quickstart = fileURLToPath(new URL('../../examples/quickstart', import.meta.url));
// Start-up under a loaded 2-core CI machine can take tens of seconds; these bound waits, they assert nothing.
const startTimeout = 90_000;

interface Readyz {
  phase: string;
  config: string;
  sources: Record<string, string>;
  snapshot: { version: string; hash: string };
}

const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

const serve = async (dir: string, extra: string[] = []) => {
  const [health, debug, xds] = await Promise.all([freePort(), freePort(), freePort()]);
  const process = startContour(standaloneServeArgs(dir, { health, debug, xds }, extra));
  return { process, health, debug, xds };
};

const readyz = async (port: number): Promise<{ status: number; body: Readyz } | undefined> =>
  (await getJson(`http://127.0.0.1:${port}/readyz`)) as { status: number; body: Readyz } | undefined;

describe('contour serve --manifests (empty directory)', () => {
  let dir: string;
  let running: Awaited<ReturnType<typeof serve>>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'contour-serve-empty-'));
    running = await serve(dir);
  });
  after(async () => {
    await running.process.stop('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('becomes ready with config "empty" and opens the xDS port', async () => {
    const ready = await waitFor(
      'readyz 200',
      async () => {
        const response = await readyz(running.health);
        return response?.status === 200 ? response : undefined;
      },
      startTimeout,
    );
    assert.equal(ready.body.phase, 'SERVING');
    assert.equal(ready.body.config, 'empty');
    assert.deepEqual(ready.body.sources, { files: 'synced' });
    assert.equal(await canConnect(running.xds), true);
  });

  it('exits 0 on SIGTERM', async () => {
    assert.equal(await running.process.stop('SIGTERM'), 0);
  });
});

describe('contour serve --manifests (quickstart)', () => {
  let dir: string;
  let running: Awaited<ReturnType<typeof serve>>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'contour-serve-qs-'));
    await cp(quickstart, dir, { recursive: true });
    running = await serve(dir);
    await waitFor('readyz 200', async () => (await readyz(running.health))?.status === 200, startTimeout);
  });
  after(async () => {
    await running.process.stop('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('serves valid config and reports every HTTPProxy on /debug/status', async () => {
    const ready = await readyz(running.health);
    assert.equal(ready?.body.config, 'valid');
    const status = (await getJson(`http://127.0.0.1:${running.debug}/debug/status`))?.body as {
      kind: string;
      name: string;
      status: { currentStatus: string };
    }[];
    assert.deepEqual(
      status.map((entry) => `${entry.kind}/${entry.name}:${entry.status.currentStatus}`),
      ['HTTPProxy/secure:valid', 'HTTPProxy/www:valid'],
    );
  });

  it('serves the snapshot on /debug/xds with the quickstart clusters', async () => {
    const xds = (await getJson(`http://127.0.0.1:${running.debug}/debug/xds`))?.body as {
      clusters: { name: string }[];
      listeners: { name: string }[];
    };
    const clusters = xds.clusters.map((c) => c.name);
    for (const service of ['default/api/9000/', 'default/echo/80/', 'default/echo-canary/80/']) {
      assert.ok(
        clusters.some((name) => name.startsWith(service)),
        `cluster for ${service} in ${clusters.join(', ')}`,
      );
    }
    const listeners = xds.listeners.map((l) => l.name);
    assert.ok(listeners.includes('ingress_http') && listeners.includes('ingress_https'));
  });

  it('serves a real gRPC client: receive, ACK, NACK (still serving), then a file change arrives', async () => {
    const client = connectXds(running.xds);
    const stream = openSotw(client);
    try {
      stream.send({ node: { id: 'test-envoy' }, typeUrl: typeUrls.cluster });
      const first = await stream.next();
      assert.ok(sotwNames(first).some((name) => name.startsWith('default/echo/80/')));
      stream.send({ typeUrl: typeUrls.cluster, versionInfo: first.versionInfo, responseNonce: first.nonce });
      // Add a Service and route so CDS changes; NACK that version, then fix by ACKing the next one.
      const file = join(dir, 'extra.yaml');
      const extra = (name: string) =>
        `apiVersion: v1\nkind: Service\nmetadata: { name: ${name}, namespace: default }\nspec: { ports: [{ name: http, port: 80 }] }\n---\napiVersion: projectcontour.io/v1\nkind: HTTPProxy\nmetadata: { name: extra, namespace: default }\nspec:\n  virtualhost: { fqdn: extra.example.com }\n  routes: [{ services: [{ name: ${name}, port: 80 }] }]\n`;
      await writeFile(file, extra('extra-one'));
      const second = await stream.next();
      assert.ok(sotwNames(second).some((name) => name.startsWith('default/extra-one/80/')));
      stream.send({
        typeUrl: typeUrls.cluster,
        versionInfo: first.versionInfo,
        responseNonce: second.nonce,
        errorDetail: { code: 3, message: 'test rejects this version' },
      });
      await waitFor(
        'the NACK on /debug/xds/clients',
        async () => {
          const clients = (await getJson(`http://127.0.0.1:${running.debug}/debug/xds/clients`))?.body;
          return JSON.stringify(clients).includes('test rejects this version');
        },
        startTimeout,
      );
      assert.equal((await readyz(running.health))?.status, 200, 'a NACK does not make the replica unready');
      await writeFile(file, extra('extra-two'));
      const third = await stream.next();
      assert.ok(sotwNames(third).some((name) => name.startsWith('default/extra-two/80/')));
      stream.send({ typeUrl: typeUrls.cluster, versionInfo: third.versionInfo, responseNonce: third.nonce });
      await rm(file);
      // Leave the directory as the next test expects it: the extra objects gone from the served config.
      await waitFor(
        'extra objects removed',
        async () =>
          !JSON.stringify((await getJson(`http://127.0.0.1:${running.debug}/debug/status`))?.body).includes(
            '"extra"',
          ),
        startTimeout,
      );
    } finally {
      stream.close();
      client.close();
    }
  });

  it('applies an edited file without a restart and reports a rejected object as degraded', async () => {
    const before = (await readyz(running.health))!.body.snapshot.version;
    const file = join(dir, 'httpproxies.yaml');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('fqdn: www.example.com', 'fqdn: www2.example.com'));
    // Wait for the edit itself to be served (other builds may land first), then check readiness held.
    await waitFor(
      'www2 served',
      async () => {
        const xds = (await getJson(`http://127.0.0.1:${running.debug}/debug/xds`))?.body as {
          routes?: unknown[];
        };
        return /www2\.example\.com/.test(JSON.stringify(xds?.routes ?? []));
      },
      startTimeout,
    );
    const changed = await readyz(running.health);
    assert.equal(changed?.status, 200);
    assert.notEqual(changed?.body.snapshot.version, before);

    // An HTTPProxy whose route names no service and no action is rejected: the rest is still served.
    await writeFile(
      join(dir, 'broken.yaml'),
      'apiVersion: projectcontour.io/v1\nkind: HTTPProxy\nmetadata: { name: broken, namespace: default }\nspec:\n  virtualhost: { fqdn: broken.example.com }\n  routes:\n    - services: [{ name: echo, port: "not-a-number" }]\n',
    );
    const degraded = await waitFor(
      'degraded',
      async () => {
        const response = await readyz(running.health);
        return response?.body.config === 'degraded' ? response : undefined;
      },
      startTimeout,
    );
    assert.equal(degraded.status, 200, 'rejected objects do not make the replica unready');
  });
});

describe('contour serve flag validation', () => {
  it('refuses a bad duration with a message naming the flag', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'contour-serve-flags-'));
    const process = startContour(['serve', '--manifests', dir, '--holdoff-delay', 'soon']);
    assert.equal(await process.exited, 2);
    assert.match(process.output(), /--holdoff-delay/);
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses plaintext xDS on a non-loopback address unless --insecure', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'contour-serve-insecure-'));
    const process = startContour(['serve', '--manifests', dir, '--xds-address', '0.0.0.0']);
    assert.equal(await process.exited, 1);
    assert.match(process.output(), /--insecure/);
    await rm(dir, { recursive: true, force: true });
  });
});

describe('contour serve --enable-proxyless-grpc', () => {
  it('adds an API listener per fqdn, which the snapshot carries', async () => {
    const running = await serve(quickstart, ['--enable-proxyless-grpc']);
    try {
      await waitFor('readyz 200', async () => (await readyz(running.health))?.status === 200, startTimeout);
      const xds = (await getJson(`http://127.0.0.1:${running.debug}/debug/xds`))?.body as {
        listeners: { name: string; resource: { apiListener?: unknown } }[];
      };
      const api = xds.listeners.filter((l) => l.resource.apiListener !== undefined).map((l) => l.name);
      assert.ok(api.includes('www.example.com'), `API listeners: ${api.join(', ')}`);
    } finally {
      await running.process.stop('SIGKILL');
    }
  });
});
