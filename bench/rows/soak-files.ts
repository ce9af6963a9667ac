// soak-files: a bounded soak of the files source (`npm run bench -- --rows soak-files`). Rounds mix the
// ways files change: renames over files, in-place writes, deletes, ConfigMap-style `..data` swaps, a
// broken version then its fix, the directory removed and recreated. After each round the store must
// converge to a model of what must be served; the row reports how long that took and what was lost.
import { mkdirSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFilesSource } from '../../src/sources/files/files-source.js';
import { createStore } from '../../src/store/store.js';
import { silentLogger } from '../../src/util/logger.js';
import { seededRandom } from '../scale-set.js';
import { elapsedMs } from '../stats.js';
import { latencyResult, messageOf, unavailable, type Row, type RowResult } from './row.js';

const service = (name: string, port: number): string =>
  `apiVersion: v1\nkind: Service\nmetadata: { name: ${name}, namespace: soak }\nspec: { ports: [{ port: ${port} }] }\n`;

/** Each round's bound: a round not converged by then counts its differences as lost. */
const convergeTimeoutMs = 10_000;

/** Runs the soak for `durationMs`; convergence times and the objects lost (never served right). */
export const soakFiles = async (
  durationMs: number,
  seed: number,
): Promise<{ convergeMs: number[]; lost: number; rounds: number }> => {
  const base = join(tmpdir(), `contour-soak-${process.pid}`);
  const dir = join(base, 'manifests');
  rmSync(base, { recursive: true, force: true });
  mkdirSync(join(dir, 'cm'), { recursive: true });
  const random = seededRandom(seed);
  const pick = (count: number): number => Math.floor(random() * count);
  const store = createStore();
  const model = new Map<string, number>();
  const source = createFilesSource(
    { directory: dir, debounceMs: 50, resyncPeriodMs: 0, directoryCheckMs: 200 },
    silentLogger(),
  );
  await source.start({
    apply: (events) => events.forEach((event) => store.apply(event)),
    synced: () => undefined,
    stale: () => undefined,
  });
  let generation = 0;
  const configMap = (port: number): void => {
    const stamp = `..soak_${++generation}`;
    mkdirSync(join(dir, 'cm', stamp));
    writeFileSync(join(dir, 'cm', stamp, 'cm.yaml'), service('cm', port));
    symlinkSync(stamp, join(dir, 'cm', '..data_tmp'));
    renameSync(join(dir, 'cm', '..data_tmp'), join(dir, 'cm', '..data'));
    try {
      symlinkSync(join('..data', 'cm.yaml'), join(dir, 'cm', 'cm.yaml'));
    } catch {
      // already linked
    }
    for (const entry of readdirSync(join(dir, 'cm')))
      if (entry.startsWith('..soak_') && entry !== stamp) rmSync(join(dir, 'cm', entry), { recursive: true });
    model.set('cm', port);
  };
  const served = (): Map<string, number> =>
    new Map(
      store
        .list('Service')
        .map((object) => [
          object.metadata.name,
          (object.spec as { ports: { port: number }[] }).ports[0].port,
        ]),
    );
  const differences = (): number => {
    const now = served();
    let count = 0;
    for (const key of new Set([...now.keys(), ...model.keys()])) if (now.get(key) !== model.get(key)) count++;
    return count;
  };
  const convergeMs: number[] = [];
  let lost = 0;
  let rounds = 0;
  const started = Date.now();
  try {
    while (Date.now() - started < durationMs) {
      rounds++;
      const kind = pick(6);
      for (let step = 0; step < 20 + pick(60); step++) {
        const name = `s${pick(30)}`;
        const path = join(dir, `${name}.yaml`);
        const port = 1 + pick(60000);
        if (kind === 0 || (kind === 5 && step % 2 === 0)) {
          writeFileSync(`${path}.tmp`, service(name, port));
          renameSync(`${path}.tmp`, path);
          model.set(name, port);
        } else if (kind === 1) {
          writeFileSync(path, service(name, port));
          model.set(name, port);
        } else if (kind === 2) {
          rmSync(path, { force: true });
          model.delete(name);
        } else if (kind === 3) configMap(port);
        else if (kind === 4 && model.has(name)) {
          writeFileSync(path, `${service(name, port)}spec: {{{\n`); // broken: the last good version stays
          if (step % 3 === 0) {
            writeFileSync(path, service(name, port));
            model.set(name, port);
          }
        }
      }
      if (kind === 5 && rounds % 4 === 0) {
        // The directory removed and recreated with what the model holds.
        rmSync(dir, { recursive: true, force: true });
        await new Promise((resolve) => setTimeout(resolve, 300));
        mkdirSync(join(dir, 'cm'), { recursive: true });
        for (const [name, port] of model)
          if (name !== 'cm') writeFileSync(join(dir, `${name}.yaml`), service(name, port));
        if (model.has('cm')) configMap(model.get('cm')!);
      }
      // A broken file left broken keeps serving its last good version: fix them all before comparing.
      for (const [name, port] of model)
        if (name !== 'cm') writeFileSync(join(dir, `${name}.yaml`), service(name, port));
      const since = process.hrtime.bigint();
      const deadline = Date.now() + convergeTimeoutMs;
      while (differences() > 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 5));
      const left = differences();
      if (left > 0) lost += left;
      else convergeMs.push(elapsedMs(since));
    }
  } finally {
    await source.stop();
    rmSync(base, { recursive: true, force: true });
  }
  return { convergeMs, lost, rounds };
};

export const soakFilesRow: Row = {
  id: 'soak-files',
  measure:
    'files source soak: renames, in-place writes, deletes, ConfigMap swaps, broken+fixed, dir recreated',
  target: 'nothing lost',
  run: async (context): Promise<RowResult> => {
    if (context.size !== context.firstSize)
      return unavailable('soak-files', context.size, 'n/a (runs at the first size)');
    try {
      const { convergeMs, lost, rounds } = await soakFiles(context.quick ? 20_000 : 180_000, 1);
      if (convergeMs.length === 0)
        return unavailable('soak-files', context.size, `n/a (no round converged; ${lost} lost)`);
      return latencyResult('soak-files', context.size, convergeMs, { rounds, lost }, () => lost === 0);
    } catch (error) {
      return unavailable('soak-files', context.size, `n/a (${messageOf(error)})`);
    }
  },
};
