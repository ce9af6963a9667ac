// The files source under the ways files really change: editors and deploy tools (write a temporary file,
// rename it over), in-place writes, Kubernetes ConfigMap volumes (symlinks swapped atomically), broken
// and fixed files, unreadable entries, a directory removed and recreated. Each test keeps a model of what
// must be served and compares it with the store once the source is quiet.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { join } from 'node:path';
import { createFilesSource, type FilesSource } from '../../src/sources/files/files-source.js';
import { parseManifest } from '../../src/sources/files/parse.js';
import type { SourceProblem } from '../../src/sources/source.js';
import { createStore, type StoreEvent } from '../../src/store/store.js';
import { silentLogger } from '../../src/util/logger.js';
import { servedServicePorts } from '../helpers/served-services.js';
import { waitFor } from '../helpers/wait.js';

const service = (name: string, port: number): string =>
  `apiVersion: v1\nkind: Service\nmetadata: { name: ${name}, namespace: default }\nspec: { ports: [{ name: http, port: ${port} }] }\n`;

/** A source on `dir` feeding a store, with what it reported. */
const startSource = async (dir: string, directoryCheckMs = 1000) => {
  const store = createStore();
  const batches: StoreEvent[][] = [];
  const stale: boolean[] = [];
  let problems: readonly SourceProblem[] = [];
  const source: FilesSource = createFilesSource(
    { directory: dir, debounceMs: 20, resyncPeriodMs: 0, directoryCheckMs },
    silentLogger(),
  );
  await source.start({
    apply: (batch) => {
      batches.push(batch);
      for (const event of batch) store.apply(event);
    },
    synced: () => undefined,
    stale: (isStale) => stale.push(isStale),
    problems: (current) => (problems = current),
  });
  /** Service name → port, as served. */
  const served = (): Record<string, number> => servedServicePorts(store);
  return { source, store, batches, stale, served, problems: () => problems };
};
type Started = Awaited<ReturnType<typeof startSource>>;

/** Sorted copy of a model, for comparison with `served()`. */
const sorted = (model: Map<string, number>): Record<string, number> =>
  Object.fromEntries([...model].sort(([a], [b]) => (a < b ? -1 : 1)));

/** Waits (bounded) until the store holds the model, then asserts it does. */
const converges = async (running: Started, model: Map<string, number>): Promise<void> => {
  const expected = sorted(model);
  await waitFor('the served objects to match the model', () => {
    try {
      assert.deepEqual(running.served(), expected);
      return true;
    } catch {
      return false;
    }
  });
  assert.deepEqual(running.served(), expected);
};

/** Writes `path` the way editors and deploy tools do: a temporary file renamed over it. */
const writeByRename = async (path: string, text: string): Promise<void> => {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
};

/**
 * Writes a ConfigMap volume the way the kubelet does (its AtomicWriter): the files in a new
 * `..<timestamp>` directory, a `..data_tmp` link to it renamed over `..data`, a visible link per file
 * into `..data`, then the old timestamped directory removed.
 */
const writeConfigMap = async (dir: string, generation: number, content: Record<string, string>) => {
  const stamp = `..2026_12_06_21_00_${String(generation).padStart(6, '0')}`;
  await mkdir(join(dir, stamp));
  for (const [name, text] of Object.entries(content)) await writeFile(join(dir, stamp, name), text);
  await symlink(stamp, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
  for (const name of Object.keys(content))
    await symlink(join('..data', name), join(dir, name)).catch(() => undefined);
  for (const entry of await readdir(dir))
    if (entry.startsWith('..2026') && entry !== stamp) await rm(join(dir, entry), { recursive: true });
};

describe('files source faults', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const setUp = async (directoryCheckMs?: number) => {
    const dir = await mkdtemp(join(tmpdir(), 'contour-faults-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const start = async () => {
      const running = await startSource(dir, directoryCheckMs);
      cleanups.push(() => running.source.stop());
      return running;
    };
    return { dir, start };
  };

  it('serves the last edit of every file after bursts of renames over them', async () => {
    const { dir, start } = await setUp();
    const model = new Map<string, number>();
    for (let file = 0; file < 12; file++) {
      await writeFile(join(dir, `f${file}.yaml`), service(`s${file}`, 1000));
      model.set(`s${file}`, 1000);
    }
    const running = await start();
    await converges(running, model);
    // Edits a few milliseconds apart, each written while this process's loop is busy (synchronous calls:
    // a watcher must not depend on an idle loop; Node 20's recursive fs.watch then loses replaced files),
    // three in a row to each file, all the same size, so size and a coarse mtime cannot tell them apart.
    for (let edit = 0; edit < 150; edit++) {
      const file = Math.floor(edit / 3) % 12;
      const path = join(dir, `f${file}.yaml`);
      writeFileSync(`${path}.tmp`, service(`s${file}`, 1001 + edit));
      renameSync(`${path}.tmp`, path);
      model.set(`s${file}`, 1001 + edit);
      await new Promise((resolve) => setTimeout(resolve, edit % 5 === 4 ? (edit * 7) % 30 : 2));
    }
    await converges(running, model);
    // One more rename after quiet: the watcher must still see the replaced files.
    writeFileSync(join(dir, 'f3.yaml.tmp'), service('s3', 9999));
    renameSync(join(dir, 'f3.yaml.tmp'), join(dir, 'f3.yaml'));
    model.set('s3', 9999);
    await converges(running, model);
  });

  it('serves the last edit after bursts of in-place writes and of files created and deleted', async () => {
    const { dir, start } = await setUp();
    const running = await start();
    const model = new Map<string, number>();
    for (let edit = 0; edit < 200; edit++) {
      const file = edit % 9;
      // Synchronous writes a few milliseconds apart, as in the rename test.
      if (edit % 13 === 12) {
        rmSync(join(dir, `w${file}.yaml`), { force: true });
        model.delete(`w${file}`);
      } else {
        writeFileSync(join(dir, `w${file}.yaml`), service(`w${file}`, 200 + edit));
        model.set(`w${file}`, 200 + edit);
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await converges(running, model);
  });

  it('loads a ConfigMap volume once and takes a ..data swap as one change', async () => {
    const { dir, start } = await setUp();
    await writeConfigMap(dir, 1, { 'a.yaml': service('a', 1), 'b.yaml': service('b', 1) });
    const running = await start();
    await converges(
      running,
      new Map([
        ['a', 1],
        ['b', 1],
      ]),
    );
    assert.deepEqual(running.source.errors(), [], 'each object is defined once');
    const before = running.batches.length;
    await writeConfigMap(dir, 2, { 'a.yaml': service('a', 2), 'b.yaml': service('b', 2) });
    const model = new Map([
      ['a', 2],
      ['b', 2],
    ]);
    await converges(running, model);
    await running.source.rescan(); // nothing left to deliver
    const swaps = running.batches.slice(before);
    assert.equal(swaps.length, 1, 'one swap, one batch of changes');
    assert.deepEqual(swaps[0].map((event) => event.type).sort(), ['upsert', 'upsert']);
    // A burst of swaps, some adding a file.
    for (let generation = 3; generation < 23; generation++) {
      const content: Record<string, string> = {
        'a.yaml': service('a', generation),
        'b.yaml': service('b', generation),
      };
      if (generation % 2 === 0) content['c.yaml'] = service('c', generation);
      await writeConfigMap(dir, generation, content);
    }
    model.set('a', 22).set('b', 22).set('c', 22);
    await converges(running, model);
  });

  it('follows linked files and directories, walks a link cycle once, and sees edits behind links', async () => {
    const { dir: outside } = await setUp();
    await mkdir(join(outside, 'team'));
    await writeFile(join(outside, 'team', 't.yaml'), service('t', 1));
    await writeFile(join(outside, 'single.yaml'), service('single', 1));
    await symlink('..', join(outside, 'team', 'up')); // a cycle: team/up/team/up/…
    const { dir, start } = await setUp();
    await symlink(join(outside, 'team'), join(dir, 'team'));
    await symlink(join(outside, 'single.yaml'), join(dir, 'single.yaml'));
    const running = await start();
    const model = new Map([
      ['t', 1],
      ['single', 1],
    ]);
    await converges(running, model);
    // team/up/single.yaml is the same file reached again through the cycle: defined twice, not looped on.
    assert.deepEqual(running.source.errors(), []);
    await writeByRename(join(outside, 'team', 't.yaml'), service('t', 2));
    await writeFile(join(outside, 'single.yaml'), service('single', 2));
    model.set('t', 2).set('single', 2);
    await converges(running, model);
  });

  it('keeps serving a file whose new version is broken, reports where, and clears when fixed', async () => {
    const { dir, start } = await setUp();
    await writeFile(join(dir, 'app.yaml'), `${service('app', 80)}---\n${service('other', 81)}`);
    const running = await start();
    const model = new Map([
      ['app', 80],
      ['other', 81],
    ]);
    await converges(running, model);
    // Half-written: the second document changed, then a broken line appended.
    await writeFile(join(dir, 'app.yaml'), `${service('app', 80)}---\n${service('other', 82)}spec: {{{\n`);
    await waitFor('the error reported', () => running.problems().length > 0);
    const [problem] = running.source.errors();
    assert.equal(problem.file, 'app.yaml');
    assert.equal(problem.document, 1);
    assert.ok(problem.line !== undefined && problem.line >= 6, `line of the error: ${problem.line}`);
    assert.deepEqual(running.problems(), running.source.errors());
    await converges(running, model); // the last valid version, whole
    await writeFile(join(dir, 'app.yaml'), `${service('app', 90)}---\n${service('other', 91)}`);
    model.set('app', 90).set('other', 91);
    await converges(running, model);
    await waitFor('the error cleared', () => running.problems().length === 0);
    assert.deepEqual(running.source.errors(), []);
  });

  it('confines a bad document or an unreadable entry to itself, at start-up and after', async () => {
    const { dir, start } = await setUp();
    const annotated = (name: string, annotations: string) =>
      `apiVersion: v1\nkind: Service\nmetadata: { name: ${name}, namespace: default, annotations: ${annotations} }\nspec: { ports: [{ port: 7 }] }\n`;
    await writeFile(
      join(dir, 'mixed.yaml'),
      [
        service('first', 1),
        annotated('odd', '"not a map"'),
        annotated('empty', 'null'),
        service('last', 3),
      ].join('---\n'),
    );
    await symlink('loop.yaml', join(dir, 'loop.yaml'));
    await writeFile(join(dir, 'locked.yaml'), service('locked', 5));
    await chmod(join(dir, 'locked.yaml'), 0o000);
    const running = await start();
    // Root reads a mode-000 file all the same; anyone else is refused, and that is reported.
    const asRoot = process.getuid?.() === 0;
    const model = new Map([
      ['first', 1],
      ['empty', 7],
      ['last', 3],
      ...(asRoot ? [['locked', 5] as const] : []),
    ]);
    await converges(running, model);
    const problems = running.source
      .errors()
      .map((error) => `${error.file}:${error.document}:${error.message}`);
    assert.deepEqual(problems, [
      ...(asRoot ? [] : ['locked.yaml:undefined:cannot read file: EACCES']),
      'loop.yaml:undefined:cannot follow link: ELOOP',
      'mixed.yaml:1:metadata.annotations is not a map',
    ]);
    // Other files' edits still flow.
    await writeByRename(join(dir, 'more.yaml'), service('more', 11));
    model.set('more', 11);
    await converges(running, model);
  });

  it('watches a directory removed and recreated again, stale while it is gone', async () => {
    const { dir, start } = await setUp(50);
    await writeFile(join(dir, 'a.yaml'), service('a', 1));
    const running = await start();
    await converges(running, new Map([['a', 1]]));
    await rm(dir, { recursive: true });
    await waitFor('stale', () => running.stale.at(-1) === true);
    // While it is gone, what it last held is served.
    assert.deepEqual(running.served(), { a: 1 });
    await mkdir(dir);
    await writeFile(join(dir, 'b.yaml'), service('b', 2));
    await converges(running, new Map([['b', 2]]));
    await waitFor('fresh again', () => running.stale.at(-1) === false);
    await writeByRename(join(dir, 'b.yaml'), service('b', 3));
    await converges(running, new Map([['b', 3]]));
  });

  it('warns about an empty directory, then loads what is added to it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'contour-empty-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const lines: { level: number; msg: string }[] = [];
    const capture = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
        done();
      },
    });
    const store = createStore();
    const source = createFilesSource({ directory: dir, debounceMs: 20, resyncPeriodMs: 0 }, pino(capture));
    cleanups.push(() => source.stop());
    await source.start({
      apply: (batch) => batch.forEach((event) => store.apply(event)),
      synced: () => undefined,
      stale: () => undefined,
    });
    await waitFor('the warning', () =>
      lines.some((line) => line.level === 40 && /holds no manifest files/.test(line.msg)),
    );
    await writeFile(join(dir, 'a.yaml'), service('a', 1));
    await waitFor('a loaded', () => store.list('Service').length === 1);
  });

  it('refuses JSON-style YAML anchors that expand exponentially, and edits of them stay cheap', async () => {
    // {"l0":&a0 [...], "l1":&a1 [*a0,*a0], …}: 2^40 nodes in under a kilobyte.
    const levels = ['"l0":&a0 ["x","x"]'];
    for (let level = 1; level <= 40; level++)
      levels.push(`"l${level}":&a${level} [*a${level - 1},*a${level - 1}]`);
    const bomb = (name: string) =>
      `{"apiVersion":"v1","kind":"Service","metadata":{"name":"${name}"},"spec":{${levels.join(',')}}}`;
    const parsed = parseManifest('bomb.json', bomb('b'));
    assert.equal(parsed.objects.length, 0);
    assert.match(parsed.errors[0]?.message ?? '', /alias|expands/);
    const { dir, start } = await setUp();
    await writeFile(join(dir, 'bomb.json'), bomb('b'));
    await writeFile(join(dir, 'svc.yaml'), service('svc', 1));
    const running = await start();
    await writeFile(join(dir, 'bomb.json'), bomb('c'));
    await writeFile(join(dir, 'svc.yaml'), service('svc', 2));
    await converges(running, new Map([['svc', 2]]));
    assert.equal(running.source.errors()[0]?.file, 'bomb.json');
  });
});
