import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReadiness, type Phase } from '../../src/lifecycle/readiness.js';
import { createPipeline, type SnapshotTarget } from '../../src/lifecycle/pipeline.js';
import { defaultBuildOptions } from '../../src/dag/build.js';
import { defaultTranslateOptions } from '../../src/assemble/translate.js';
import type { SnapshotResources } from '../../src/xds/cache/snapshot-cache.js';
import { createFilesSource } from '../../src/sources/files/files-source.js';
import type { Source, SourceSink } from '../../src/sources/source.js';
import { createStore } from '../../src/store/store.js';
import { silentLogger } from '../../src/util/logger.js';

/** A snapshot target that records what was published. */
const recordingCache = (): SnapshotTarget & { published: SnapshotResources[] } => {
  const published: SnapshotResources[] = [];
  return {
    published,
    publish: (resources) => void published.push(resources),
    version: () => String(published.length),
    hash: () => `h${published.length}`,
  };
};

/** A source whose initial list is released by the test. */
const manualSource = (name: string): Source & { sink?: SourceSink } => {
  const source: Source & { sink?: SourceSink } = {
    name,
    start: async (sink) => {
      source.sink = sink;
    },
    stop: async () => undefined,
  };
  return source;
};

const pipelineFor = (sources: Source[]) => {
  const readiness = createReadiness(sources.map((s) => s.name));
  const cache = recordingCache();
  const phases: Phase[] = [];
  readiness.onPhase((phase) => phases.push(phase));
  const pipeline = createPipeline({
    sources,
    store: createStore(),
    cache,
    readiness,
    buildOptions: defaultBuildOptions,
    translateOptions: defaultTranslateOptions,
    holdoffDelayMs: 0,
    holdoffMaxDelayMs: 0,
    logger: silentLogger(),
  });
  return { readiness, cache, phases, pipeline };
};

describe('readiness state machine', () => {
  it('walks STARTING → SYNCING → BUILDING → SERVING with one unconditional build', async () => {
    const source = manualSource('kubernetes');
    const { readiness, cache, phases, pipeline } = pipelineFor([source]);
    assert.equal(readiness.phase(), 'STARTING');
    const started = pipeline.start();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(readiness.phase(), 'SYNCING');
    assert.equal(readiness.ready(), false);
    assert.equal(cache.published.length, 0, 'nothing is published before the sources sync');
    source.sink!.synced(); // an empty initial list: no events at all
    await started;
    assert.deepEqual(phases, ['SYNCING', 'BUILDING', 'SERVING']);
    assert.equal(readiness.ready(), true);
    assert.equal(cache.published.length, 1, 'exactly one build even though no event arrived');
    const report = readiness.report();
    assert.equal(report.config, 'empty');
    assert.deepEqual(report.sources, { kubernetes: 'synced' });
    assert.equal(report.leader, false, 'leadership never gates readiness');
    await pipeline.stop();
  });

  it('waits for every source before building', async () => {
    const a = manualSource('a');
    const b = manualSource('b');
    const { readiness, cache, pipeline } = pipelineFor([a, b]);
    const started = pipeline.start();
    await new Promise((resolve) => setImmediate(resolve));
    a.sink!.synced();
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(readiness.phase(), 'SYNCING');
    assert.equal(cache.published.length, 0);
    b.sink!.synced();
    await started;
    assert.equal(readiness.phase(), 'SERVING');
    await pipeline.stop();
  });

  it('is ready when the only objects present are ones the build ignores', async () => {
    const source = manualSource('kubernetes');
    const { readiness, cache, pipeline } = pipelineFor([source]);
    const started = pipeline.start();
    await new Promise((resolve) => setImmediate(resolve));
    source.sink!.apply([
      {
        type: 'upsert',
        object: {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'unrelated', namespace: 'watched' },
          type: 'Opaque',
        },
      },
    ]);
    source.sink!.synced();
    await started;
    assert.equal(readiness.ready(), true);
    assert.equal(cache.published.length, 1);
    assert.equal(readiness.report().config, 'empty');
    await pipeline.stop();
  });

  it('keeps SERVING and marks the source stale when it loses its backing store', async () => {
    const source = manualSource('kubernetes');
    const { readiness, pipeline } = pipelineFor([source]);
    const started = pipeline.start();
    await new Promise((resolve) => setImmediate(resolve));
    source.sink!.synced();
    await started;
    source.sink!.stale(true);
    assert.equal(readiness.ready(), true);
    assert.deepEqual(readiness.report().sources, { kubernetes: 'stale' });
    source.sink!.stale(false);
    assert.deepEqual(readiness.report().sources, { kubernetes: 'synced' });
    await pipeline.stop();
  });

  it('an empty manifests directory is ready with config "empty"', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'contour-empty-'));
    await writeFile(join(dir, 'README.txt'), 'nothing here');
    const source = createFilesSource({ directory: dir }, silentLogger());
    const { readiness, cache, pipeline } = pipelineFor([source]);
    await pipeline.start();
    assert.equal(readiness.phase(), 'SERVING');
    assert.equal(readiness.report().config, 'empty');
    assert.equal(cache.published.length, 1);
    await pipeline.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('a problem (a kind that cannot be read) is a note and makes config degraded until cleared', () => {
    const readiness = createReadiness(['kubernetes']);
    readiness.published('valid', { version: '1', hash: 'h' });
    readiness.setProblem('kind/Secret', 'Secret cannot be read: forbidden');
    assert.equal(readiness.report().config, 'degraded');
    assert.deepEqual(readiness.report().notes, ['Secret cannot be read: forbidden']);
    assert.equal(readiness.ready(), true, 'a problem never takes readiness away');
    readiness.setProblem('kind/Secret', undefined);
    assert.equal(readiness.report().config, 'valid');
    assert.equal(readiness.report().notes, undefined);
  });

  it('builds again after a relevant change, not before the holdoff', async () => {
    const source = manualSource('kubernetes');
    const { cache, pipeline } = pipelineFor([source]);
    const started = pipeline.start();
    await new Promise((resolve) => setImmediate(resolve));
    source.sink!.synced();
    await started;
    source.sink!.apply([
      {
        type: 'upsert',
        object: { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'n' }, spec: {} },
      },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(cache.published.length, 2);
    // The same object again is no change: no build.
    source.sink!.apply([
      {
        type: 'upsert',
        object: { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'n' }, spec: {} },
      },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(cache.published.length, 2);
    await pipeline.stop();
  });
});
