// The bench works end to end at N = 200 (quick): every row either measures or says why not.
// No timing assertion: numbers are checked for being numbers, never for being fast.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allObjects, generateScaleSet } from '../../bench/scale-set.js';
import { writeManifests } from '../../bench/generate.js';
import { runBench } from '../../bench/run.js';
import { renderMarkdown, renderTable } from '../../bench/report.js';
import { loadManifestDirectory } from '../../src/sources/files/load.js';

test('the scale set is deterministic from seed and size, with the promised shape', () => {
  const set = generateScaleSet({ size: 200, seed: 7 });
  assert.deepEqual(generateScaleSet({ size: 200, seed: 7 }), set);
  assert.notDeepEqual(generateScaleSet({ size: 200, seed: 8 }).httpProxies, set.httpProxies);
  const roots = set.httpProxies.filter((proxy) => (proxy.spec as { virtualhost?: unknown }).virtualhost);
  assert.equal(roots.length, 200);
  assert.equal(
    new Set(roots.map((proxy) => (proxy.spec as { virtualhost: { fqdn: string } }).virtualhost.fqdn)).size,
    200,
  );
  assert.equal(
    set.httpProxies.length - roots.length,
    40,
    'a fifth of the sites are reached through includes',
  );
  assert.equal(set.secrets.length, 20, 'a tenth of the sites are TLS');
  assert.equal(set.services.length, 200);
  assert.equal(set.endpointSlices.length, 200);
  for (const slice of set.endpointSlices) {
    const endpoints = slice.endpoints as { conditions: { ready: boolean } }[];
    assert.equal(endpoints.filter((endpoint) => endpoint.conditions.ready).length, 3);
  }
  for (const proxy of set.httpProxies) {
    const routes = (proxy.spec as { routes?: { conditions?: { header?: unknown }[] }[] }).routes;
    if (!routes) continue;
    assert.ok(routes.length === 2 || routes.length === 3);
    assert.ok(routes.some((route) => route.conditions?.some((condition) => condition.header)));
  }
  const data = set.secrets[0].data as Record<string, string>;
  const certificate = new X509Certificate(Buffer.from(data['tls.crt'], 'base64'));
  assert.ok(certificate.checkPrivateKey(createPrivateKey(Buffer.from(data['tls.key'], 'base64'))));
});

test('the manifests directory loads back into the same objects', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'bench-manifests-'));
  try {
    const set = generateScaleSet({ size: 50, seed: 3 });
    writeManifests(set, directory);
    assert.ok(readdirSync(directory).length > 0);
    const { store, errors } = await loadManifestDirectory(directory);
    assert.deepEqual(errors, []);
    const total = Object.values(store.counts()).reduce((sum, count) => sum + count, 0);
    assert.equal(total, allObjects(set).length);
    assert.deepEqual(
      store.get('HTTPProxy', set.sites[0].namespace, set.sites[0].name)?.spec,
      set.httpProxies.find((p) => p.metadata.name === set.sites[0].name)?.spec,
    );
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test(
  'npm run bench --quick at N = 200: every row measures a number or says why not',
  { timeout: 900_000 },
  async () => {
    const workDirectory = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
    try {
      const report = await runBench({
        sizes: [200],
        quick: true,
        seed: 1,
        // cold-kube and status need an API server and take minutes; the Kubernetes tests cover those paths.
        rows: ['cold-files', 'edit', 'endpoints', 'build-ratio', 'rss', 'fanout'],
        workDirectory,
        log: () => {},
      });
      assert.equal(report.results.length, 6);
      for (const result of report.results) {
        if (result.unavailable !== undefined) {
          assert.match(result.unavailable, /^n\/a \(.+\)$/, `${result.id} says why it is unavailable`);
          continue;
        }
        const numbers = [result.median, result.p99, result.value].filter((value) => value !== undefined);
        assert.ok(numbers.length > 0, `${result.id} reports a number`);
        for (const value of numbers)
          assert.ok(Number.isFinite(value), `${result.id}: ${value} is a finite number`);
      }
      // The rows that only need the pipeline and the xDS server must measure, not fall back to n/a.
      for (const id of ['cold-files', 'edit', 'endpoints', 'fanout']) {
        const result = report.results.find((r) => r.id === id)!;
        assert.equal(result.unavailable, undefined, `${id}: ${result.unavailable}`);
      }
      // The edit and endpoints rows report what the server itself spends per change: an edit sends
      // route configurations to every client, so both numbers are positive.
      for (const id of ['edit', 'endpoints']) {
        const extra = report.results.find((r) => r.id === id)!.extra ?? {};
        assert.ok(Number(extra.serverCpuMsPerChange) > 0, `${id}: server CPU ${extra.serverCpuMsPerChange}`);
        assert.ok(Number(extra.bytesSentPerChange) > 0, `${id}: bytes sent ${extra.bytesSentPerChange}`);
      }
      const table = renderTable(report);
      const markdown = renderMarkdown(report);
      for (const row of report.rows) {
        assert.ok(table.includes(row.id));
        assert.ok(markdown.includes(`| ${row.id} |`));
      }
    } finally {
      rmSync(workDirectory, { recursive: true, force: true });
    }
  },
);
