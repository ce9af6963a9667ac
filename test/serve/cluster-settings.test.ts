// `contour serve --config-path` with Contour's `cluster.*` and `tls.envoy-client-certificate` settings, as a real
// process: the settings reach the build (the clusters) and the client certificate Secret is published.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, getJson, standaloneServeArgs, startContour } from '../helpers/process.js';
import { waitFor } from '../helpers/wait.js';

// The golden scenario's manifests: a TLS virtual host, a TLS backend, and the client certificate Secret.
const manifests = fileURLToPath(new URL('../golden/upstream-tls-settings/input.yaml', import.meta.url));
// Start-up under a loaded 2-core CI machine can take tens of seconds; this bounds the wait, it asserts nothing.
const startTimeout = 90_000;

const config = `
cluster:
  max-requests-per-connection: 7
  circuit-breakers:
    max-connections: 11
tls:
  envoy-client-certificate:
    namespace: projectcontour
    name: envoy-client
`;

interface DebugXds {
  clusters: unknown[];
  secrets: { name: string }[];
}

describe('contour serve --config-path with cluster settings', () => {
  let dir: string;
  let running: ReturnType<typeof startContour>;
  let debug: number;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'contour-serve-cluster-'));
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

  it('puts them on the clusters and publishes the client certificate', async () => {
    const snapshot = await waitFor(
      'the clusters on /debug/xds',
      async () => {
        const xds = (await getJson(`http://127.0.0.1:${debug}/debug/xds`))?.body as DebugXds | undefined;
        return xds && xds.clusters.length > 0 ? xds : undefined;
      },
      startTimeout,
    );
    const text = JSON.stringify(snapshot.clusters);
    for (const setting of [
      /"maxRequestsPerConnection":7/,
      /"maxConnections":11/,
      /projectcontour\/envoy-client\//,
    ]) {
      assert.match(text, setting);
    }
    assert.ok(
      snapshot.secrets.some((secret) => secret.name.startsWith('projectcontour/envoy-client/')),
      `client certificate among ${JSON.stringify(snapshot.secrets.map((secret) => secret.name))}`,
    );
  });
});
