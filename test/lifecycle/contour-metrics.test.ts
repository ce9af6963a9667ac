// Contour's metrics beside ours: HTTPProxy counts by status, DAG rebuilds, build info and status
// updates, counted from a real build's statuses and read back as Prometheus text.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { metricsRegistry } from '../../src/util/metrics.js';
import {
  countHttpProxies,
  createHttpProxyMetricsPublisher,
  recordDagRebuild,
  recordStatusConflict,
  recordStatusUpdate,
} from '../../src/util/contour-metrics.js';
import type { ObjectStatus } from '../../src/apis/status.js';

const proxy = (
  namespace: string,
  name: string,
  valid: 'True' | 'False',
  errorType?: string,
): ObjectStatus => ({
  kind: 'HTTPProxy',
  namespace,
  name,
  conditions: [
    {
      type: 'Valid',
      status: valid,
      reason: valid === 'True' ? 'Valid' : 'ErrorPresent',
      message: '',
      ...(errorType ? { errors: [{ type: errorType, status: 'True', reason: errorType, message: '' }] } : {}),
    },
  ],
});

/** The samples of one metric in the registry's Prometheus text, as `labels value` lines. */
const samples = async (name: string): Promise<string[]> =>
  (await metricsRegistry.metrics())
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .map((line) => line.slice(name.length).trim())
    .sort();

describe("Contour's metrics", () => {
  const statuses = [
    proxy('default', 'www', 'True'),
    proxy('default', 'child', 'True'),
    proxy('default', 'dup-a', 'False', 'VirtualHostError'),
    proxy('default', 'dup-b', 'False', 'VirtualHostError'),
    proxy('default', 'lonely', 'False', 'Orphaned'),
    proxy('team', 'api', 'True'),
    { kind: 'Ingress', namespace: 'default', name: 'ignored', conditions: [] },
  ];
  const fqdns: Record<string, string> = {
    'default/www': 'www.example.com',
    'default/dup-a': 'dup.example.com',
    'default/dup-b': 'dup.example.com',
    'team/api': 'api.example.com',
  };
  const fqdnOf = (namespace: string, name: string): string | undefined => fqdns[`${namespace}/${name}`];

  it('counts HTTPProxies as Contour: total, root, valid and invalid by vhost, orphaned', () => {
    const counts = countHttpProxies(statuses, fqdnOf);
    const plain = (map: Map<string, number>) =>
      Object.fromEntries([...map].map(([k, v]) => [k.replace('\u0000', '|'), v]));
    assert.deepEqual(plain(counts.total), { default: 5, team: 1 });
    assert.deepEqual(plain(counts.root), { default: 3, team: 1 });
    assert.deepEqual(plain(counts.valid), {
      'default|www.example.com': 1,
      'default|': 1,
      'team|api.example.com': 1,
    });
    assert.deepEqual(plain(counts.invalid), { 'default|dup.example.com': 2 });
    assert.deepEqual(plain(counts.orphaned), { default: 1 });
  });

  it('exports the HTTPProxy gauges only while enabled (the leader), dropping label sets that went away', async () => {
    const publisher = createHttpProxyMetricsPublisher(fqdnOf);
    publisher.onBuild(statuses);
    assert.deepEqual(await samples('contour_httpproxy'), [], 'nothing before leadership');
    publisher.setEnabled(true);
    assert.deepEqual(await samples('contour_httpproxy'), ['{namespace="default"} 5', '{namespace="team"} 1']);
    assert.deepEqual(await samples('contour_httpproxy_invalid'), [
      '{namespace="default",vhost="dup.example.com"} 2',
    ]);
    assert.deepEqual(await samples('contour_httpproxy_orphaned'), ['{namespace="default"} 1']);
    assert.deepEqual(await samples('contour_httpproxy_root'), [
      '{namespace="default"} 3',
      '{namespace="team"} 1',
    ]);

    // The next build: team's proxy is gone and the orphan is included.
    publisher.onBuild([...statuses.slice(0, 4), proxy('default', 'lonely', 'True')]);
    assert.deepEqual(await samples('contour_httpproxy'), ['{namespace="default"} 5']);
    assert.deepEqual(await samples('contour_httpproxy_orphaned'), []);
    assert.deepEqual(await samples('contour_httpproxy_valid'), [
      '{namespace="default",vhost=""} 2',
      '{namespace="default",vhost="www.example.com"} 1',
    ]);
    publisher.setEnabled(false);
    assert.deepEqual(
      await samples('contour_httpproxy_valid'),
      [],
      'a replica that lost leadership exports none',
    );
  });

  it('records DAG rebuilds: total, Unix timestamp, duration summary', async () => {
    const before = Number((await samples('contour_dagrebuild_total'))[0] ?? '0');
    recordDagRebuild(0.25, Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    recordDagRebuild(0.5, Date.UTC(2026, 0, 2, 3, 4, 6, 0));
    assert.deepEqual(await samples('contour_dagrebuild_total'), [String(before + 2)]);
    assert.deepEqual(await samples('contour_dagrebuild_timestamp'), [
      String(Date.UTC(2026, 0, 2, 3, 4, 6) / 1000),
    ]);
    const summary = await samples('contour_dagrebuild_seconds');
    assert.ok(summary.includes('{quantile="1"} 0.5'), summary.join('\n'));
    assert.ok(summary.includes('{quantile="0"} 0.25'), summary.join('\n'));
  });

  it('records status updates as Contour: noop is a subset of success, conflicts apart, duration by error', async () => {
    recordStatusUpdate('HTTPProxy', 'written', 0.01);
    recordStatusUpdate('HTTPProxy', 'noop', 0.001);
    recordStatusUpdate('HTTPProxy', 'failed', 0.1);
    recordStatusConflict('HTTPProxy');
    const one = async (name: string) =>
      (await samples(name)).find((line) => line.startsWith('{kind="HTTPProxy"}'));
    assert.equal(await one('contour_status_update_total'), '{kind="HTTPProxy"} 3');
    assert.equal(await one('contour_status_update_success_total'), '{kind="HTTPProxy"} 2');
    assert.equal(await one('contour_status_update_noop_total'), '{kind="HTTPProxy"} 1');
    assert.equal(await one('contour_status_update_failed_total'), '{kind="HTTPProxy"} 1');
    assert.equal(await one('contour_status_update_conflict_total'), '{kind="HTTPProxy"} 1');
    const durations = await samples('contour_status_update_duration_seconds_count');
    assert.deepEqual(durations, ['{kind="HTTPProxy",error="false"} 2', '{kind="HTTPProxy",error="true"} 1']);
  });

  it('exports contour_build_info with branch, revision and version', async () => {
    const [line] = await samples('contour_build_info');
    assert.match(line, /^\{branch="[^"]+",revision="[^"]+",version="\d+\.\d+\.\d+[^"]*"\} 1$/);
  });
});
