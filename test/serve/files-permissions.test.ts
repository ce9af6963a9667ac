// A manifest file the process may not read (mode 000) is reported for that file, in /readyz and
// /debug/status, and never stops other files' edits; made readable, it is served and the report clears.
// Run as root, the process drops to `nobody` so that the mode means something.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getJson, serveManifests, type ContourProcess } from '../helpers/process.js';
import { waitFor } from '../helpers/wait.js';

// Start-up under a loaded 2-core CI machine can take tens of seconds; these bound waits, they assert nothing.
const startTimeout = 90_000;
const nobody = 65534;

const proxy = (name: string, prefix: string): string => `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: default }
spec: { ports: [{ name: http, port: 80 }] }
---
apiVersion: projectcontour.io/v1
kind: HTTPProxy
metadata: { name: ${name}, namespace: default }
spec:
  virtualhost: { fqdn: ${name}.example.com }
  routes: [{ conditions: [{ prefix: ${prefix} }], services: [{ name: ${name}, port: 80 }] }]
`;

interface Readyz {
  config: string;
  problems?: { source: string; file: string; message: string }[];
}

describe('contour serve --manifests: an unreadable file', () => {
  let dir: string | undefined;
  let running: ContourProcess | undefined;
  after(async () => {
    await running?.stop('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is reported for itself while the other files keep loading and changing', async () => {
    dir = await mkdtemp(join(tmpdir(), 'contour-locked-'));
    await chmod(dir, 0o755);
    await writeFile(join(dir, 'open.yaml'), proxy('open', '/one'));
    await writeFile(join(dir, 'locked.yaml'), proxy('locked', '/locked'));
    await chmod(join(dir, 'locked.yaml'), 0o000);
    const asRoot = process.getuid?.() === 0;
    const started = await serveManifests(dir, [], asRoot ? { uid: nobody, gid: nobody } : {});
    running = started.process;
    const readyz = async () =>
      (await getJson(`http://127.0.0.1:${started.health}/readyz`)) as
        { status: number; body: Readyz } | undefined;
    const routes = async () =>
      JSON.stringify(
        ((await getJson(`http://127.0.0.1:${started.debug}/debug/xds`))?.body as { routes?: unknown })
          ?.routes ?? [],
      );

    const degraded = await waitFor(
      'ready and degraded',
      async () => {
        const response = await readyz();
        return response?.status === 200 ? response : undefined;
      },
      startTimeout,
    );
    assert.equal(degraded.body.config, 'degraded', running.output());
    assert.deepEqual(degraded.body.problems, [
      { source: 'files', file: 'locked.yaml', message: 'cannot read file: EACCES' },
    ]);
    const status = (await getJson(`http://127.0.0.1:${started.debug}/debug/status`))?.body as {
      kind: string;
      name: string;
    }[];
    assert.ok(status.some((entry) => entry.kind === 'ManifestFile' && entry.name === 'locked.yaml'));
    assert.match(await routes(), /\/one/);
    assert.doesNotMatch(await routes(), /\/locked/);

    // Another file's edit is served all the same.
    await writeFile(join(dir, 'open.yaml.tmp'), proxy('open', '/two'));
    await rename(join(dir, 'open.yaml.tmp'), join(dir, 'open.yaml'));
    await waitFor('the edit served', async () => /\/two/.test(await routes()), startTimeout);

    // Readable again (and touched, as a fix would be): served, and the report clears.
    await chmod(join(dir, 'locked.yaml'), 0o644);
    await writeFile(join(dir, 'locked.yaml'), proxy('locked', '/unlocked'));
    await waitFor('the fixed file served', async () => /\/unlocked/.test(await routes()), startTimeout);
    const cleared = await waitFor(
      'the problem cleared',
      async () => {
        const response = await readyz();
        return response?.body.problems === undefined ? response : undefined;
      },
      startTimeout,
    );
    assert.equal(cleared.body.config, 'valid');
  });
});
