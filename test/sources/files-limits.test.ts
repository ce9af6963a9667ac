// The manifest file limits (issue 13): a file over --max-manifest-file-bytes or --max-documents-per-file is
// refused like a file that does not parse: it keeps serving its last valid version, the problem names the
// file, the limit and the flag, the other files are unaffected, and the error clears when it fits again.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endEarlyParse, startEarlyParse, takeEarlyParse } from '../../src/sources/files/early-parse.js';
import { createFilesSource, type FilesSourceOptions } from '../../src/sources/files/files-source.js';
import { countDocuments, defaultManifestFileLimits } from '../../src/sources/files/file-limits.js';
import { loadManifestDirectory } from '../../src/sources/files/load.js';
import type { SourceProblem } from '../../src/sources/source.js';
import { createStore } from '../../src/store/store.js';
import { silentLogger } from '../../src/util/logger.js';
import { servedServicePorts } from '../helpers/served-services.js';
import { waitFor } from '../helpers/wait.js';

const service = (name: string, port: number): string =>
  `apiVersion: v1\nkind: Service\nmetadata: { name: ${name}, namespace: default }\nspec: { ports: [{ name: http, port: ${port} }] }\n`;
const services = (prefix: string, count: number, port = 1000): string =>
  Array.from({ length: count }, (_, index) => service(`${prefix}-${index}`, port + index)).join('---\n');

/** A sparse 3 GiB file: reading it whole would fail (or exhaust memory); its size is enough to refuse it. */
const writeHugeFile = async (path: string): Promise<void> => {
  const handle = await open(path, 'w');
  await handle.truncate(3 * 1024 ** 3);
  await handle.close();
};

describe('manifest file limits', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const start = async (files: Record<string, string>, limits: FilesSourceOptions['limits']) => {
    const dir = await mkdtemp(join(tmpdir(), 'contour-limits-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    const store = createStore();
    let problems: readonly SourceProblem[] = [];
    const source = createFilesSource(
      { directory: dir, debounceMs: 20, resyncPeriodMs: 0, limits },
      silentLogger(),
    );
    cleanups.push(() => source.stop());
    await source.start({
      apply: (batch) => batch.forEach((event) => store.apply(event)),
      synced: () => undefined,
      stale: () => undefined,
      problems: (current) => (problems = current),
    });
    /** Service name → port, as served. */
    const served = (): Record<string, number> => servedServicePorts(store);
    const servedEquals = (expected: Record<string, number>) => async () => {
      await waitFor(`served ${JSON.stringify(expected)}`, () => {
        try {
          assert.deepEqual(served(), expected);
          return true;
        } catch {
          return false;
        }
      });
    };
    return { dir, source, served, servedEquals, problems: () => problems };
  };

  it('keeps the last valid version of a file rewritten over the size limit, and clears when it shrinks', async () => {
    const running = await start(
      { 'a.yaml': services('a', 2), 'b.yaml': service('b', 1) },
      { maxFileBytes: 4096 },
    );
    await running.servedEquals({ 'a-0': 1000, 'a-1': 1001, b: 1 })();
    // Valid YAML, but over the limit: padded with a comment.
    await writeFile(join(running.dir, 'a.yaml'), `${services('a', 2, 2000)}# ${'x'.repeat(5000)}\n`);
    await waitFor('the size problem', () => running.problems().length > 0);
    assert.deepEqual(running.problems(), running.source.errors());
    const [problem] = running.problems();
    assert.equal(problem.file, 'a.yaml');
    assert.match(problem.message, /4096/);
    assert.match(problem.message, /--max-manifest-file-bytes/);
    // The other files still flow; the big one keeps its last valid version.
    await writeFile(join(running.dir, 'b.yaml'), service('b', 2));
    await running.servedEquals({ 'a-0': 1000, 'a-1': 1001, b: 2 })();
    await writeFile(join(running.dir, 'a.yaml'), services('a', 2, 3000));
    await running.servedEquals({ 'a-0': 3000, 'a-1': 3001, b: 2 })();
    await waitFor('the problem cleared', () => running.problems().length === 0);
  });

  it('keeps the last valid version of a file rewritten with too many documents, and clears when it fits', async () => {
    const running = await start({ 'a.yaml': services('a', 2) }, { maxDocumentsPerFile: 3 });
    await running.servedEquals({ 'a-0': 1000, 'a-1': 1001 })();
    await writeFile(join(running.dir, 'a.yaml'), services('a', 4, 2000));
    await waitFor('the documents problem', () => running.problems().length > 0);
    const [problem] = running.problems();
    assert.equal(problem.file, 'a.yaml');
    assert.match(problem.message, /more than 3 documents/);
    assert.match(problem.message, /--max-documents-per-file/);
    assert.deepEqual(running.served(), { 'a-0': 1000, 'a-1': 1001 });
    await writeFile(join(running.dir, 'a.yaml'), services('a', 3, 3000));
    await running.servedEquals({ 'a-0': 3000, 'a-1': 3001, 'a-2': 3002 })();
    await waitFor('the problem cleared', () => running.problems().length === 0);
  });

  it('refuses a huge file at start-up by its size alone, without reading it, and loads the others', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'contour-limits-sparse-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await writeHugeFile(join(dir, 'huge.yaml'));
    await writeFile(join(dir, 'ok.yaml'), service('ok', 7));
    const store = createStore();
    const source = createFilesSource({ directory: dir, debounceMs: 20, resyncPeriodMs: 0 }, silentLogger());
    cleanups.push(() => source.stop());
    await source.start({
      apply: (batch) => batch.forEach((event) => store.apply(event)),
      synced: () => undefined,
      stale: () => undefined,
    });
    assert.deepEqual(
      store.list('Service').map((object) => object.metadata.name),
      ['ok'],
    );
    const [problem] = source.errors();
    assert.equal(problem.file, 'huge.yaml');
    assert.match(problem.message, new RegExp(`${3 * 1024 ** 3} bytes`));
    assert.match(problem.message, new RegExp(`${defaultManifestFileLimits.maxFileBytes}`));
    assert.match(problem.message, /--max-manifest-file-bytes/);
  });

  it('refuses files over a limit in one-shot loads (contour translate) too, and loads the others', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'contour-limits-load-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await writeHugeFile(join(dir, 'huge.yaml'));
    await writeFile(join(dir, 'many.yaml'), services('m', 4));
    await writeFile(join(dir, 'ok.yaml'), service('ok', 7));
    const { store, errors } = await loadManifestDirectory(dir, { maxDocumentsPerFile: 3 });
    assert.deepEqual(
      store.list('Service').map((object) => object.metadata.name),
      ['ok'],
    );
    assert.deepEqual(
      errors.map((error) => `${error.file}: ${/--max-[a-z-]+/.exec(error.message)?.[0]}`),
      ['huge.yaml: --max-manifest-file-bytes', 'many.yaml: --max-documents-per-file'],
    );
  });

  it('starts no early parse of a file over a limit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'contour-limits-early-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    cleanups.push(() => endEarlyParse());
    const big = services('big', 800);
    await writeFile(join(dir, 'big.yaml'), big);
    await writeFile(join(dir, 'many.yaml'), big);
    await startEarlyParse(dir, silentLogger(), {
      maxFileBytes: Buffer.byteLength(big) - 1,
      maxDocumentsPerFile: 799,
    });
    assert.equal(takeEarlyParse(join(dir, 'big.yaml'), big), undefined);
    await endEarlyParse();
    await startEarlyParse(dir, silentLogger(), {
      maxFileBytes: Buffer.byteLength(big),
      maxDocumentsPerFile: 799,
    });
    assert.equal(takeEarlyParse(join(dir, 'many.yaml'), big), undefined);
    await endEarlyParse();
    await startEarlyParse(dir, silentLogger(), {
      maxFileBytes: Buffer.byteLength(big),
      maxDocumentsPerFile: 800,
    });
    assert.ok(takeEarlyParse(join(dir, 'many.yaml'), big), 'a file at the limits is started');
  });

  it('counts YAML documents as the parser does', () => {
    assert.equal(countDocuments(''), 0);
    assert.equal(countDocuments('# only a comment\n\n'), 0);
    assert.equal(countDocuments('a: 1\n'), 1);
    assert.equal(countDocuments('---\na: 1\n'), 1);
    assert.equal(countDocuments('a: 1\n---\nb: 2\n---\n'), 3);
    assert.equal(countDocuments('%YAML 1.2\n---\na: 1\n'), 1);
    assert.equal(countDocuments('a: 1\n...\nb: 2\n...\n'), 2, 'documents ended by `...`');
    assert.equal(countDocuments('...\n...\n'), 2, 'a `...` outside a document is an empty one');
    assert.equal(countDocuments('a: |\n  ---x\n  ---\n---- not a marker\n'), 1);
    assert.equal(countDocuments('---\r\na: 1\r\n--- # c\r\nb: 2\r\n'), 2);
    assert.equal(countDocuments(services('s', 500)), 500);
  });
});
