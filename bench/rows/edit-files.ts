// edit-files: one file of 100 HTTPProxies and 200 Services (300 objects), beside the scale set's
// manifests, rewritten the way deploy tools write (a temporary file renamed over it) → the snapshot
// cache publishes the change. The real files source, pipeline (holdoff 0) and cache, in process.
import { cpSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultBuildOptions } from '../../src/dag/build.js';
import { defaultTranslateOptions } from '../../src/assemble/translate.js';
import { createPipeline } from '../../src/lifecycle/pipeline.js';
import { createReadiness } from '../../src/lifecycle/readiness.js';
import { createFilesSource } from '../../src/sources/files/files-source.js';
import type { Source } from '../../src/sources/source.js';
import { createStore } from '../../src/store/store.js';
import { silentLogger } from '../../src/util/logger.js';
import { createSnapshotCache } from '../../src/xds/cache/snapshot-cache.js';
import { nextChange } from '../in-process.js';
import { summarize, elapsedMs } from '../stats.js';
import { latencyResult, messageOf, unavailable, type Row, type RowResult } from './row.js';

/** The files source's default quiet period after an event. */
const debounceMs = 50;

/** The edited file at `generation`: the first proxy's route prefix carries it. */
export const editedFile = (generation: number): string =>
  Array.from({ length: 100 }, (_, index) => {
    const prefix = index === 0 ? `/edit-${generation}` : `/p${index}`;
    return `apiVersion: v1
kind: Service
metadata: { name: edit-a-${index}, namespace: edit-files }
spec: { ports: [{ name: http, port: 80 }] }
---
apiVersion: v1
kind: Service
metadata: { name: edit-b-${index}, namespace: edit-files }
spec: { ports: [{ name: http, port: 80 }] }
---
apiVersion: projectcontour.io/v1
kind: HTTPProxy
metadata: { name: edit-${index}, namespace: edit-files }
spec:
  virtualhost: { fqdn: edit-${index}.files.example.com }
  routes:
    - conditions: [{ prefix: ${prefix} }]
      services: [{ name: edit-a-${index}, port: 80 }, { name: edit-b-${index}, port: 80 }]
`;
  }).join('---\n');

/** Measures `edits` rewrites of the 300-object file under a copy of `manifests`. */
export const measureFileEdits = async (
  manifests: string,
  edits: number,
): Promise<{ samples: number[]; deliveredMs: number[] } | string> => {
  const directory = `${manifests}-edit-files`;
  rmSync(directory, { recursive: true, force: true });
  cpSync(manifests, directory, { recursive: true });
  const file = join(directory, 'zz-edit-files.yaml');
  writeFileSync(file, editedFile(0));
  const logger = silentLogger();
  const files = createFilesSource({ directory, debounceMs }, logger);
  // When the source hands the edit to the pipeline: the rest of each sample is build and publish.
  let delivered = 0n;
  const source: Source = {
    name: files.name,
    start: (sink) =>
      files.start({
        ...sink,
        apply: (events) => {
          delivered = process.hrtime.bigint();
          sink.apply(events);
        },
      }),
    stop: () => files.stop(),
  };
  const cache = createSnapshotCache();
  const pipeline = createPipeline({
    sources: [source],
    store: createStore(),
    cache,
    readiness: createReadiness([source.name]),
    buildOptions: defaultBuildOptions,
    translateOptions: defaultTranslateOptions,
    incremental: true,
    holdoffDelayMs: 0,
    holdoffMaxDelayMs: 0,
    logger,
  });
  try {
    await pipeline.start();
    const samples: number[] = [];
    const deliveredMs: number[] = [];
    for (let edit = 1; edit <= edits; edit++) {
      const changed = nextChange(cache, 30_000);
      const since = process.hrtime.bigint();
      writeFileSync(`${file}.tmp`, editedFile(edit));
      renameSync(`${file}.tmp`, file);
      if (!(await changed)) return `edit ${edit} was never published`;
      samples.push(elapsedMs(since));
      deliveredMs.push(elapsedMs(since, delivered));
      // Quiet between edits, so each one is measured alone.
      await new Promise((resolve) => setTimeout(resolve, 2 * debounceMs));
    }
    return { samples, deliveredMs };
  } catch (error) {
    return messageOf(error);
  } finally {
    await pipeline.stop();
    rmSync(directory, { recursive: true, force: true });
  }
};

export const editFilesRow: Row = {
  id: 'edit-files',
  measure:
    'a 300-object manifest file renamed over → snapshot published (files source, debounce 50 ms, holdoff 0)',
  target: `p50 ≤ debounce + 15 ms (${debounceMs + 15} ms)`,
  run: async (context): Promise<RowResult> => {
    const measured = await measureFileEdits(context.manifests, context.quick ? 5 : 30);
    if (typeof measured === 'string') return unavailable('edit-files', context.size, `n/a (${measured})`);
    const delivered = summarize(measured.deliveredMs);
    return latencyResult(
      'edit-files',
      context.size,
      measured.samples,
      {
        debounceMs,
        'delivered p50 ms': Math.round(delivered.median * 10) / 10,
        'delivered p99 ms': Math.round(delivered.p99 * 10) / 10,
      },
      (median) => median <= debounceMs + 15,
    );
  },
};
