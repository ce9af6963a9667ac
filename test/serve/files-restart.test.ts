// `contour serve --manifests` as a real process under edits written the way deploy tools write them
// (a temporary file renamed over the manifest), killed with SIGKILL mid-burst and started again: at
// quiescence it serves exactly the last version of every file, compared with a model.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getJson, serveManifests, type ContourProcess } from '../helpers/process.js';
import { waitFor } from '../helpers/wait.js';

// Start-up under a loaded 2-core CI machine can take tens of seconds; these bound waits, they assert nothing.
const startTimeout = 90_000;
const files = 6;

/** File `index` at `version`: a Service and an HTTPProxy whose only route prefix names both. */
const manifest = (index: number, version: number): string => `apiVersion: v1
kind: Service
metadata: { name: s${index}, namespace: default }
spec: { ports: [{ name: http, port: 80 }] }
---
apiVersion: projectcontour.io/v1
kind: HTTPProxy
metadata: { name: p${index}, namespace: default }
spec:
  virtualhost: { fqdn: p${index}.example.com }
  routes: [{ conditions: [{ prefix: /p${index}-v${version} }], services: [{ name: s${index}, port: 80 }] }]
`;

const writeByRename = async (path: string, text: string): Promise<void> => {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
};

/** File index → the versions of its route served now, read from /debug/xds. */
const servedVersions = async (debugPort: number): Promise<Record<number, number[]> | undefined> => {
  const xds = (await getJson(`http://127.0.0.1:${debugPort}/debug/xds`))?.body as
    { routes?: unknown[] } | undefined;
  if (!xds?.routes) return undefined;
  const served: Record<number, number[]> = {};
  for (const match of JSON.stringify(xds.routes).matchAll(/\/p(\d+)-v(\d+)/g))
    (served[Number(match[1])] ??= []).push(Number(match[2]));
  return served;
};

describe('contour serve --manifests: edits, SIGKILL and restart', () => {
  let dir: string;
  let running: ContourProcess | undefined;
  after(async () => {
    await running?.stop('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const serve = async (): Promise<number> => {
    const started = await serveManifests(dir);
    running = started.process;
    return started.debug;
  };

  const converges = async (debug: number, model: number[]): Promise<void> => {
    const expected = Object.fromEntries(model.map((version, index) => [index, [version]]));
    await waitFor(
      'the served routes to match the model',
      async () => JSON.stringify(await servedVersions(debug)) === JSON.stringify(expected),
      startTimeout,
    );
    assert.deepEqual(await servedVersions(debug), expected);
  };

  it('serves the last version of every file after a burst, a SIGKILL mid-burst and a restart', async () => {
    dir = await mkdtemp(join(tmpdir(), 'contour-restart-'));
    const model = Array.from({ length: files }, () => 0);
    for (let index = 0; index < files; index++)
      await writeFile(join(dir, `f${index}.yaml`), manifest(index, 0));
    let debug = await serve();
    await converges(debug, model);

    const burst = async (from: number, to: number, killAt?: number): Promise<void> => {
      for (let edit = from; edit < to; edit++) {
        if (edit === killAt) await running!.stop('SIGKILL');
        const index = (edit * 5) % files;
        await writeByRename(join(dir, `f${index}.yaml`), manifest(index, edit));
        model[index] = edit;
        if (edit % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 15));
      }
    };
    await burst(1, 121);
    await converges(debug, model);
    // Killed halfway through the next burst, which goes on while the process is down.
    await burst(121, 241, 181);
    assert.equal(await running!.exited, 'SIGKILL');
    debug = await serve();
    await converges(debug, model);
    await burst(241, 301);
    await converges(debug, model);
  });
});
