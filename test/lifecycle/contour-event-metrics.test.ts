// Contour's event handler and cache metrics (contour_eventhandler_operation_total, contour_dag_cache_object,
// contour_cachehandler_onupdate_duration_seconds), scraped from a serving `contour serve --manifests`'s
// /metrics while its objects are added, updated and deleted.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { parseServeConfig } from '../../src/cli/config.js';
import { startServe, type RunningServe } from '../../src/cli/serve-runner.js';
import { silentLogger } from '../../src/util/logger.js';
import { loopbackFlags } from '../security/http-helpers.js';

const quickstart = fileURLToPath(new URL('../../examples/quickstart', import.meta.url));

interface Family {
  name: string;
  type: string;
  metrics: { labels?: Record<string, string>; value?: string; count?: string }[];
}

/** The families of one scrape of /metrics, by name. */
const scrape = async (port: number): Promise<Map<string, Family>> => {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(response.status, 200);
  const families = parsePrometheusTextFormat(await response.text()) as Family[];
  return new Map(families.map((family) => [family.name, family]));
};

/** The value of the sample whose labels include `labels` (undefined when there is none). */
const valueOf = (family: Family | undefined, labels: Record<string, string>): number | undefined => {
  const sample = family?.metrics.find((metric) =>
    Object.entries(labels).every(([key, value]) => metric.labels?.[key] === value),
  );
  return sample === undefined ? undefined : Number(sample.value ?? sample.count);
};

describe("Contour's event handler and cache metrics on /metrics", () => {
  let dir: string;
  let running: RunningServe;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'contour-event-metrics-'));
    await cp(quickstart, dir, { recursive: true });
    running = await startServe(
      parseServeConfig(loopbackFlags(dir, { manifestsResyncPeriod: '0s' }), {}),
      silentLogger(),
    );
    await running.serving;
  });
  after(async () => {
    await running.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('counts the objects loaded at start-up as adds, and holds them by kind', async () => {
    const families = await scrape(running.metrics.port);
    const operations = families.get('contour_eventhandler_operation_total');
    assert.equal(operations?.type, 'COUNTER');
    for (const [kind, count] of [
      ['HTTPProxy', 2],
      ['Service', 3],
      ['EndpointSlice', 3],
      ['Secret', 1],
    ] as const) {
      assert.equal(valueOf(operations, { op: 'add', kind }), count, `adds of ${kind}`);
      assert.equal(
        valueOf(families.get('contour_dag_cache_object'), { kind }),
        count,
        `${kind} objects held`,
      );
    }
    const regeneration = families.get('contour_cachehandler_onupdate_duration_seconds');
    assert.equal(regeneration?.type, 'SUMMARY');
    assert.ok((Number(regeneration.metrics[0]?.count) || 0) >= 1, 'the first build reached the xDS cache');
  });

  it('counts updates and deletes, and the cache gauge follows', async () => {
    const proxies = join(dir, 'httpproxies.yaml');
    await writeFile(proxies, (await readFile(proxies, 'utf8')).replace('weight: 90', 'weight: 80'));
    await rm(join(dir, 'secret.yaml'));
    // Wait for the watcher to deliver both changes (the test's own time limit bounds the wait).
    let families: Map<string, Family>;
    for (;;) {
      families = await scrape(running.metrics.port);
      const operations = families.get('contour_eventhandler_operation_total');
      if (
        (valueOf(operations, { op: 'update', kind: 'HTTPProxy' }) ?? 0) >= 1 &&
        valueOf(operations, { op: 'delete', kind: 'Secret' }) === 1
      )
        break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(valueOf(families.get('contour_dag_cache_object'), { kind: 'Secret' }), 0);
    assert.equal(valueOf(families.get('contour_dag_cache_object'), { kind: 'HTTPProxy' }), 2);
    assert.equal(
      valueOf(families.get('contour_eventhandler_operation_total'), { op: 'add', kind: 'HTTPProxy' }),
      2,
      'an update is not counted as an add',
    );
  });
});
