import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endEarlyParse, startEarlyParse, takeEarlyParse } from '../../src/sources/files/early-parse.js';
import { createFilesSource } from '../../src/sources/files/files-source.js';
import { parseManifest } from '../../src/sources/files/parse.js';
import type { KubeObject } from '../../src/apis/meta.js';
import type { StoreEvent } from '../../src/store/store.js';
import { silentLogger } from '../../src/util/logger.js';

const services = (prefix: string, count: number): string =>
  Array.from(
    { length: count },
    (_, index) =>
      `apiVersion: v1\nkind: Service\nmetadata: { name: ${prefix}-${index}, namespace: default }\nspec: { ports: [{ name: http, port: ${1000 + index} }] }\n`,
  ).join('---\n');

const withDirectory = async (files: Record<string, string>, run: (dir: string) => Promise<void>) => {
  const dir = await mkdtemp(join(tmpdir(), 'early-parse-'));
  try {
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    await run(dir);
  } finally {
    await endEarlyParse();
    await rm(dir, { recursive: true, force: true });
  }
};

describe('early parse', () => {
  it('hands over a big file parsed for exactly the same text, once; small files are not started', async () => {
    const big = services('big', 800);
    assert.ok(Buffer.byteLength(big) >= 64 * 1024);
    await withDirectory({ 'big.yaml': big, 'small.yaml': services('small', 1) }, async (dir) => {
      await startEarlyParse(dir, silentLogger());
      assert.equal(takeEarlyParse(join(dir, 'small.yaml'), services('small', 1)), undefined);
      const early = takeEarlyParse(join(dir, 'big.yaml'), big);
      assert.ok(early, 'the big file was started early');
      assert.deepEqual(await early, parseManifest('big.yaml', big));
      assert.equal(takeEarlyParse(join(dir, 'big.yaml'), big), undefined, 'taken once');
    });
  });

  it('gives nothing for a file whose text changed since it was read', async () => {
    const big = services('big', 800);
    await withDirectory({ 'big.yaml': big }, async (dir) => {
      await startEarlyParse(dir, silentLogger());
      assert.equal(takeEarlyParse(join(dir, 'big.yaml'), services('changed', 800)), undefined);
    });
  });

  it('the files source delivers a file edited after the early parse as it is now', async () => {
    await withDirectory({ 'big.yaml': services('before', 800) }, async (dir) => {
      await startEarlyParse(dir, silentLogger());
      await writeFile(join(dir, 'big.yaml'), services('after', 800));
      const delivered: KubeObject[] = [];
      const source = createFilesSource({ directory: dir }, silentLogger());
      try {
        await source.start({
          apply: (events: StoreEvent[]) => {
            for (const event of events) if (event.type === 'upsert') delivered.push(event.object);
          },
          synced: () => undefined,
          stale: () => undefined,
        });
      } finally {
        await source.stop();
      }
      assert.equal(delivered.length, 800);
      assert.ok(delivered.every((object) => object.metadata.name.startsWith('after-')));
    });
  });

  it('a missing directory is left for the files source to report', async () => {
    const missing = join(tmpdir(), 'early-parse-does-not-exist');
    try {
      // Resolves (a rejection would fail `contour serve` before its flags are checked) and starts nothing.
      await startEarlyParse(missing, silentLogger());
      assert.equal(takeEarlyParse(join(missing, 'big.yaml'), services('big', 800)), undefined);
      const source = createFilesSource({ directory: missing }, silentLogger());
      const sink = { apply: () => undefined, synced: () => undefined, stale: () => undefined };
      await assert.rejects(source.start(sink), /--manifests .*early-parse-does-not-exist: not a directory/);
      await source.stop();
    } finally {
      await endEarlyParse();
    }
  });
});
