// A resource withheld because Envoy would reject it makes the event loop report `config: degraded`, and
// nothing of it reaches the snapshot, whether objects produced it or the operator's options did.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/apis/meta.js';
import { defaultBuildOptions } from '../../src/dag/build.js';
import { defaultTranslateOptions, type TranslateOptions } from '../../src/envoy/options.js';
import { createPipeline } from '../../src/lifecycle/pipeline.js';
import { createReadiness } from '../../src/lifecycle/readiness.js';
import type { Source, SourceSink } from '../../src/sources/source.js';
import { createStore } from '../../src/store/store.js';
import { silentLogger } from '../../src/util/logger.js';
import { createSnapshotCache } from '../../src/xds/cache/snapshot-cache.js';

const objects = (headerName: string): KubeObject[] => [
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: 'default', name: 'web' },
    spec: { ports: [{ port: 80, protocol: 'TCP' }] },
  },
  {
    apiVersion: 'projectcontour.io/v1',
    kind: 'HTTPProxy',
    metadata: { namespace: 'default', name: 'web' },
    spec: {
      virtualhost: { fqdn: 'web.test' },
      routes: [
        {
          conditions: [{ prefix: '/', header: { name: headerName, present: true } }],
          services: [{ name: 'web', port: 80 }],
        },
      ],
    },
  },
];

/** Runs the event loop to SERVING over `objects`; returns its readiness report and snapshot. */
const serve = async (items: KubeObject[], translateOptions: TranslateOptions) => {
  let sink: SourceSink | undefined;
  const source: Source = { name: 'test', start: async (s) => void (sink = s), stop: async () => undefined };
  const readiness = createReadiness([source.name]);
  const cache = createSnapshotCache();
  const store = createStore();
  const pipeline = createPipeline({
    sources: [source],
    store,
    cache,
    readiness,
    buildOptions: defaultBuildOptions,
    translateOptions,
    incremental: true,
    holdoffDelayMs: 0,
    holdoffMaxDelayMs: 0,
    logger: silentLogger(),
  });
  const started = pipeline.start();
  await new Promise((resolve) => setImmediate(resolve));
  sink!.apply(items.map((object) => ({ type: 'upsert', object })));
  sink!.synced();
  await started;
  await pipeline.stop();
  return { report: readiness.report(), cache, statuses: pipeline.lastBuild()!.statuses };
};

describe('withheld resources and readiness', () => {
  it('a valid proxy is served and the config is valid', async () => {
    const { report, cache } = await serve(objects('x-tenant'), defaultTranslateOptions);
    assert.equal(report.config, 'valid');
    assert.equal(report.phase, 'SERVING');
    assert.ok(JSON.stringify(cache.toJson()).includes('web.test'));
  });

  it('a proxy Envoy would reject is withheld, invalid in its status, and the config degraded', async () => {
    const { report, cache, statuses } = await serve(objects('x-bad\nname'), defaultTranslateOptions);
    assert.equal(report.phase, 'SERVING', 'a rejected object never costs readiness');
    assert.equal(report.config, 'degraded');
    assert.ok(!JSON.stringify(cache.toJson()).includes('web.test'));
    const status = statuses.find((s) => s.kind === 'HTTPProxy' && s.name === 'web');
    assert.equal(status?.currentStatus, 'invalid');
  });

  it('a listener the options make invalid is withheld and the config degraded', async () => {
    const { report, cache } = await serve(objects('x-tenant'), {
      ...defaultTranslateOptions,
      statsAddress: '',
    });
    assert.equal(report.config, 'degraded');
    const listeners = [...cache.resources('listener').keys()];
    assert.ok(!listeners.includes('stats-health'), listeners.join(', '));
    assert.ok(listeners.includes('ingress_http'));
  });
});
