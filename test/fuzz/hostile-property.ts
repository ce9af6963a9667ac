// The hostile-input property, shared by the fuzz test (a modest run in `npm test`) and the bench
// script (a larger run): a real pipeline serving baseline objects is given hostile batches; after each
// one the loop was never blocked long, the baseline is served exactly as before, /readyz is SERVING
// and says `degraded`, naming the offenders, exactly when something was refused; removing the batch
// restores `valid`.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ingestError } from '../../src/apis/ingest-validation.js';
import type { KubeObject } from '../../src/apis/meta.js';
import { startPipeline, type PipelineHarness } from '../hostile/pipeline-harness.js';
import { endpointSlice, rootProxy, service } from '../hostile/objects.js';
import { hostileBatch } from './hostile-arbitraries.js';
import { dump } from 'js-yaml';
import { parseManifest } from '../../src/sources/files/parse.js';

/** Longest a batch may hold the event loop (ingest + build + publish), as the issue asks. */
export const maxBlockMs = 250;

const baseline = (): KubeObject[] => [
  service('web'),
  endpointSlice('web-1', 'web', ['10.0.0.1', '10.0.0.2']),
  rootProxy('good', 'good.example.com', 'web'),
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { namespace: 'default', name: 'good-ingress' },
    spec: {
      rules: [
        {
          host: 'ingress.example.com',
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
            ],
          },
        },
      ],
    },
  },
];

// What the baseline objects are served as: their virtual hosts, clusters and endpoints, as JSON.
const baselineView = (harness: PipelineHarness): string => {
  type Entry<T> = { name?: string; resource?: T };
  const json = harness.cache.toJson() as {
    routes?: Entry<{ virtualHosts?: { domains?: string[] }[] }>[];
    clusters?: Entry<unknown>[];
    endpoints?: Entry<unknown>[];
  };
  const hosts = (json.routes ?? [])
    .flatMap((config) => config.resource?.virtualHosts ?? [])
    .filter((host) =>
      host.domains?.some((domain) => domain === 'good.example.com' || domain === 'ingress.example.com'),
    );
  const clusters = (json.clusters ?? []).filter((cluster) => cluster.name?.startsWith('default/web/'));
  const endpoints = (json.endpoints ?? []).filter((entry) => entry.name?.startsWith('default/web/'));
  return JSON.stringify({ hosts, clusters, endpoints });
};

const keyOf = (object: KubeObject): string => {
  const metadata = object.metadata as { namespace?: unknown; name?: unknown };
  return `${object.kind} ${String(metadata.namespace)}/${String(metadata.name)}`;
};

/** What a run measured. */
export interface HostileRunStats {
  batches: number;
  refusedBatches: number;
  maxBlockMs: number;
}

const deleteEvent = (object: KubeObject) => ({
  type: 'delete' as const,
  ref: {
    kind: object.kind,
    namespace: String((object.metadata as { namespace?: unknown }).namespace),
    name: String((object.metadata as { name?: unknown }).name),
  },
});

/** Runs the property for `numRuns` batches against one pipeline; throws on the first counterexample. */
export const runHostileProperty = async (numRuns: number, seed?: number): Promise<HostileRunStats> => {
  const harness = await startPipeline(baseline());
  const stats: HostileRunStats = { batches: 0, refusedBatches: 0, maxBlockMs: 0 };

  // The checks after one batch was applied (taking `wallMs` and `cpu`).
  const checkBatch = (
    latest: Map<string, KubeObject>,
    wallMs: number,
    cpu: NodeJS.CpuUsage,
    expected: string,
  ) => {
    // Wall time on a shared machine includes other processes' turns; CPU time is ours alone.
    const blockedMs = Math.min(wallMs, (cpu.user + cpu.system) / 1000);
    stats.batches++;
    stats.maxBlockMs = Math.max(stats.maxBlockMs, blockedMs);
    assert.ok(blockedMs < maxBlockMs, `the batch held the loop ${blockedMs.toFixed(0)} ms`);

    const report = harness.readiness.report();
    assert.equal(report.phase, 'SERVING');
    assert.equal(baselineView(harness), expected, 'the baseline is served exactly as before');
    const refusedAtIngest = [...latest]
      .filter(([, object]) => ingestError(object) !== undefined)
      .map(([key]) => key);
    const rejectedByBuild = (harness.pipeline.lastBuild()?.statuses ?? []).filter((status) =>
      status.conditions.some((condition) => condition.type === 'Valid' && condition.status === 'False'),
    );
    const somethingRefused = refusedAtIngest.length > 0 || rejectedByBuild.length > 0;
    assert.equal(report.config, somethingRefused ? 'degraded' : 'valid', JSON.stringify(report.rejected));
    if (!somethingRefused) return;
    stats.refusedBatches++;
    const listed = report.rejected ?? [];
    for (const key of refusedAtIngest) {
      assert.ok(
        listed.some((entry) => entry.startsWith(`${key}: `)),
        `${key} is named in ${JSON.stringify(listed)}`,
      );
    }
    if (refusedAtIngest.length === 0) {
      const names = rejectedByBuild.map((status) => `${status.kind} ${status.namespace}/${status.name}: `);
      assert.ok(
        listed.some((entry) => names.some((name) => entry.startsWith(name))),
        JSON.stringify(listed),
      );
    }
  };

  try {
    const expected = baselineView(harness);
    assert.equal(harness.readiness.report().config, 'valid');
    assert.match(expected, /good\.example\.com/);
    assert.match(expected, /10\.0\.0\.2/);
    await fc.assert(
      fc.asyncProperty(hostileBatch, fc.boolean(), async (generated, viaFile) => {
        // Half the batches arrive as a manifest file would: YAML text through the files source's parser.
        const batch = viaFile
          ? parseManifest(
              'hostile.yaml',
              generated.map((object) => dump(object, { lineWidth: -1 })).join('---\n'),
            ).objects
          : generated;
        // Last write wins for duplicate names within a batch.
        const latest = new Map(batch.map((object) => [keyOf(object), object]));
        const wallStart = performance.now();
        const cpuStart = process.cpuUsage();
        try {
          harness.upsert(...batch);
          checkBatch(latest, performance.now() - wallStart, process.cpuUsage(cpuStart), expected);
        } finally {
          // Removing the batch restores the baseline (also after a failed check, so shrinking starts clean).
          harness.apply([...latest.values()].map(deleteEvent));
        }
        const after = harness.readiness.report();
        assert.equal(after.config, 'valid', JSON.stringify(after.rejected));
        assert.equal(baselineView(harness), expected);
      }),
      { numRuns, ...(seed === undefined ? {} : { seed }) },
    );
  } finally {
    await harness.stop();
  }
  return stats;
};
