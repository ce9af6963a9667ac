// `contour serve --config-path` with Contour's global header policy and fallback certificate, as a real
// process: both settings reach the build (headers on the routes' upstreams, the fallback chain and its route
// configuration) and the fallback Secret is published.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, getJson, standaloneServeArgs, startContour } from '../helpers/process.js';
import { waitFor } from '../helpers/wait.js';

// The golden scenario's manifests: TLS hosts enabling the fallback certificate, its Secret and delegation.
const manifests = fileURLToPath(new URL('../golden/fallback-certificate/input.yaml', import.meta.url));
// Start-up under a loaded 2-core CI machine can take tens of seconds; this bounds the wait, it asserts nothing.
const startTimeout = 90_000;

const config = `
policy:
  request-headers:
    set: {x-env: prod}
tls:
  fallback-certificate:
    namespace: projectcontour
    name: fallback
`;

interface DebugXds {
  listeners: unknown[];
  routes: { name: string }[];
  secrets: { name: string }[];
}

describe('contour serve --config-path with policy and tls.fallback-certificate', () => {
  let dir: string;
  let running: ReturnType<typeof startContour>;
  let debug: number;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'contour-serve-policy-'));
    const manifestDir = join(dir, 'manifests');
    await writeFile(join(dir, 'contour.yaml'), config);
    await mkdir(manifestDir);
    await copyFile(manifests, join(manifestDir, 'input.yaml'));
    const [health, xds] = await Promise.all([freePort(), freePort()]);
    debug = await freePort();
    running = startContour(
      standaloneServeArgs(manifestDir, { health, debug, xds }, ['--config-path', join(dir, 'contour.yaml')]),
    );
  });
  after(async () => {
    await running.stop('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('sets the headers, serves the fallback chain and publishes the fallback Secret', async () => {
    const snapshot = await waitFor(
      'the routes on /debug/xds',
      async () => {
        const xds = (await getJson(`http://127.0.0.1:${debug}/debug/xds`))?.body as DebugXds | undefined;
        return xds && xds.routes.length > 0 ? xds : undefined;
      },
      startTimeout,
    );
    assert.match(JSON.stringify(snapshot.routes), /"key":"X-Env","value":"prod"/);
    assert.ok(
      JSON.stringify(snapshot.routes).includes('"name":"ingress_fallbackcert"'),
      `ingress_fallbackcert among ${JSON.stringify(snapshot.routes.map((route) => route.name))}`,
    );
    assert.match(JSON.stringify(snapshot.listeners), /"name":"fallback-certificate"/);
    assert.ok(
      snapshot.secrets.some((secret) => secret.name.startsWith('projectcontour/fallback/')),
      `fallback certificate among ${JSON.stringify(snapshot.secrets.map((secret) => secret.name))}`,
    );
  });
});
