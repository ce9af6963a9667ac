// The layering rules of `npm run lint` (.dependency-cruiser.mjs) catch what they are there for: each
// case cruises a small tree of files laid out like the repository and lists the rules it breaks.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cruise, type IForbiddenRuleType } from 'dependency-cruiser';

const configPath = resolve(import.meta.dirname, '../../.dependency-cruiser.mjs');
const loadRules = async (): Promise<IForbiddenRuleType[]> => {
  const module = (await import(pathToFileURL(configPath).href)) as {
    default: { forbidden: IForbiddenRuleType[] };
  };
  return module.default.forbidden;
};

/** `rule: from -> to` for every violation in a tree of files (path → imported paths). */
const violations = async (files: Record<string, string[]>): Promise<string[]> => {
  const root = mkdtempSync(join(tmpdir(), 'layering-'));
  try {
    for (const [path, imports] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      const lines = imports.map((target, index) => {
        const relative = join(
          ...dirname(path)
            .split('/')
            .map(() => '..'),
          target,
        ).replace(/\.ts$/, '.js');
        return `import { value as value${index} } from '${relative}';\nexport const use${index} = value${index};`;
      });
      writeFileSync(join(root, path), [...lines, 'export const value = 1;', ''].join('\n'));
    }
    const roots = [...new Set(Object.keys(files).map((path) => path.split('/')[0]))];
    const result = await cruise(roots, {
      ruleSet: { forbidden: await loadRules() },
      validate: true,
      tsPreCompilationDeps: true,
      baseDir: root,
    });
    if (typeof result.output === 'string') throw new Error('expected a cruise result, got text');
    return result.output.summary.violations
      .map((violation) => `${violation.rule.name}: ${violation.from} -> ${violation.to}`)
      .sort();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
};

describe('layering rules', () => {
  it('allow imports down the pipeline', async () => {
    assert.deepEqual(
      await violations({
        'src/cli/main.ts': ['src/lifecycle/pipeline.ts', 'src/dag/build.ts'],
        'src/lifecycle/pipeline.ts': ['src/xds/server/stream.ts', 'src/util/metrics.ts'],
        'src/xds/server/stream.ts': ['src/xds/cache/type-digest.ts', 'src/envoy/cluster.ts'],
        'src/xds/cache/type-digest.ts': [],
        'src/envoy/cluster.ts': ['src/dag/build.ts'],
        'src/dag/build.ts': ['src/store/store.ts', 'src/certs/secret-checks.ts', 'src/apis/status.ts'],
        'src/sources/files/parse.ts': ['src/store/store.ts', 'src/certs/secret-checks.ts'],
        'src/store/store.ts': ['src/apis/meta.ts'],
        'src/certs/secret-checks.ts': ['src/apis/meta.ts'],
        'src/apis/meta.ts': [],
        'src/apis/status.ts': [],
        'src/util/metrics.ts': [],
        'test/dag/build.test.ts': ['src/dag/build.ts', 'bench/run.ts'],
        'bench/run.ts': ['src/cli/main.ts', 'scripts/envtest/harness.ts'],
        'scripts/envtest/harness.ts': ['src/apis/meta.ts'],
      }),
      [],
    );
  });

  it('reject imports up the pipeline, and between side-by-side folders', async () => {
    assert.deepEqual(
      await violations({
        'src/sources/files/parse-worker.ts': ['src/dag/secrets.ts'],
        'src/dag/secrets.ts': [],
        'src/xds/server/metrics.ts': ['src/lifecycle/metrics.ts'],
        'src/lifecycle/metrics.ts': [],
        'src/status/writer.ts': ['src/xds/cache/snapshot-cache.ts'],
        'src/xds/cache/snapshot-cache.ts': [],
      }),
      [
        'beside-status: src/status/writer.ts -> src/xds/cache/snapshot-cache.ts',
        'layer-sources: src/sources/files/parse-worker.ts -> src/dag/secrets.ts',
        'layer-xds-status: src/xds/server/metrics.ts -> src/lifecycle/metrics.ts',
      ],
    );
  });

  it('reject cycles between files and between folders', async () => {
    const found = await violations({
      'src/xds/server/type-state.ts': ['src/xds/server/view-digest.ts'],
      'src/xds/server/view-digest.ts': ['src/xds/server/type-state.ts'],
      'src/xds/cache/cache.ts': ['src/xds/server/planner.ts'],
      'src/xds/server/planner.ts': ['src/xds/cache/entry.ts'],
      'src/xds/cache/entry.ts': [],
    });
    assert.ok(
      found.includes('no-file-cycles: src/xds/server/type-state.ts -> src/xds/server/view-digest.ts'),
    );
    assert.ok(found.some((line) => line.startsWith('no-folder-cycles: src/xds/cache -> src/xds/server')));
  });

  it('keep src, test and bench apart', async () => {
    assert.deepEqual(
      await violations({
        'src/dag/build.ts': ['test/helpers/process.ts'],
        'bench/rows/envtest.ts': ['test/kube/harness.ts'],
        'test/helpers/process.ts': [],
        'test/kube/harness.ts': [],
      }),
      [
        'bench-not-test: bench/rows/envtest.ts -> test/kube/harness.ts',
        'src-stands-alone: src/dag/build.ts -> test/helpers/process.ts',
      ],
    );
  });

  it('put the assembler above the snapshot cache and below the event loop, and keep dag below envoy', async () => {
    assert.deepEqual(
      await violations({
        'src/lifecycle/pipeline.ts': ['src/assemble/incremental-engine.ts'],
        'src/assemble/incremental-engine.ts': [
          'src/dag/incremental.ts',
          'src/envoy/cluster.ts',
          'src/xds/cache/route-encoding.ts',
        ],
        'src/dag/incremental.ts': [],
        'src/envoy/cluster.ts': [],
        'src/xds/cache/route-encoding.ts': [],
        'src/xds/server/stream.ts': ['src/assemble/incremental-engine.ts'],
        'src/dag/build.ts': ['src/envoy/cluster.ts'],
      }),
      [
        'layer-dag: src/dag/build.ts -> src/envoy/cluster.ts',
        'layer-xds-status: src/xds/server/stream.ts -> src/assemble/incremental-engine.ts',
      ],
    );
  });
});
