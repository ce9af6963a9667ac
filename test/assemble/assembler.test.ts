// The one assembler behind `serve`, `translate`, the goldens and the bench: the cases where the two
// orchestrations it replaced used to disagree, at non-default options, and the check that withholds
// what Envoy would reject.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/apis/meta.js';
import { createAssembler, assembleDag } from '../../src/assemble/assembler.js';
import { createIncrementalEngine } from '../../src/assemble/incremental-engine.js';
import { translateStore } from '../../src/assemble/translate.js';
import { defaultBuildOptions } from '../../src/dag/build.js';
import type { Dag } from '../../src/dag/types.js';
import { defaultTranslateOptions, type TranslateOptions } from '../../src/envoy/options.js';
import { resourceToJson } from '../../src/envoy/canonical-json.js';
import { createStore } from '../../src/store/store.js';
import type { CachedResource } from '../../src/xds/cache/cached-resource.js';
import type { SplicedRouteConfiguration } from '../../src/xds/cache/route-encoding.js';
import {
  cluster,
  emptyDag,
  forward,
  prefixMatch,
  route,
  secureVirtualHost,
  storeWith,
  tlsSecret,
  virtualHost,
} from '../envoy/fixtures.js';

const names = (items: readonly { name: string }[]): string[] => items.map((item) => item.name);

const options: TranslateOptions = {
  ...defaultTranslateOptions,
  httpsPort: 9443,
  statsAddress: '127.0.0.1',
  statsPort: 8002,
  healthAddress: '0.0.0.0',
  healthPort: 8003,
  adminPort: 0,
  minTlsVersion: '1.3',
};

const proxy = (name: string, fqdn: string, service: string): KubeObject => ({
  apiVersion: 'projectcontour.io/v1',
  kind: 'HTTPProxy',
  metadata: { namespace: 'default', name },
  spec: { virtualhost: { fqdn }, routes: [{ services: [{ name: service, port: 80 }] }] },
});

const service = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace: 'default', name },
  spec: { ports: [{ port: 80, protocol: 'TCP' }] },
});

describe('one assembler for serve and translate', () => {
  it('splits the stats and health listeners when their addresses differ, in serve and translate alike', () => {
    const store = createStore();
    for (const object of [service('web'), proxy('web', 'web.test', 'web')]) {
      store.apply({ type: 'upsert', object });
    }
    const served = createIncrementalEngine(store, defaultBuildOptions, options).build().resources;
    const translated = translateStore(store, defaultBuildOptions, options);
    assert.deepEqual(names(served.listeners), ['health', 'ingress_http', 'stats']);
    assert.deepEqual(names(translated.messages.listeners), ['health', 'ingress_http', 'stats']);
    const bytes = (entries: CachedResource[]) => entries.map((entry) => Buffer.from(entry.bytes));
    assert.deepEqual(bytes(served.listeners), bytes([...translated.snapshot.resources('listener').values()]));
    // Same address and port: one `stats-health` listener.
    const shared = createIncrementalEngine(store, defaultBuildOptions, {
      ...options,
      healthAddress: '127.0.0.1',
      healthPort: 8002,
    }).build().resources;
    assert.deepEqual(names(shared.listeners), ['ingress_http', 'stats-health']);
  });

  it('leaves out a TLS host whose Secret did not translate, and keeps the others', () => {
    const web = cluster('web');
    const hosts = [
      secureVirtualHost('a.test', [route(prefixMatch('/'), forward(web))]),
      secureVirtualHost('b.test', [route(prefixMatch('/'), forward(web))]),
    ];
    const withSecrets = (secrets: Dag['secrets']): Dag => ({
      ...emptyDag(),
      httpsVirtualHosts: hosts,
      clusters: [web],
      secrets,
    });
    const goodA = tlsSecret(hosts[0].secret!);
    // b.test's secret holds neither a key pair nor a CA: there is nothing to send.
    const emptyB = { name: hosts[1].secret!, source: { namespace: 'default', name: 'b.test-tls' } };
    const assembler = createAssembler(storeWith(), options);
    const full = assembler.assemble(withSecrets([goodA, tlsSecret(hosts[1].secret!)])).resources;
    assert.deepEqual(names(full.routes), ['https/a.test', 'https/b.test', 'ingress_http']);
    // Reusing the same host objects (the incremental path) and assembling once give the same result.
    for (const { resources } of [
      assembler.assemble(withSecrets([goodA, emptyB])),
      assembleDag(withSecrets([goodA, emptyB]), storeWith(), options),
    ]) {
      assert.deepEqual(names(resources.secrets), [goodA.name]);
      assert.deepEqual(names(resources.routes), ['https/a.test', 'ingress_http']);
      const [listener] = resources.listeners.filter((entry) => entry.name === 'ingress_https');
      const json = JSON.stringify(resourceToJson(listener.message));
      assert.ok(json.includes('a.test') && !json.includes('b.test'), 'only a.test has a filter chain');
      assert.ok(json.includes('9443'), 'the listener is on the configured port');
    }
  });
});

describe('resources Envoy would reject are withheld', () => {
  const web = cluster('web');
  const good = virtualHost('good.test', [route(prefixMatch('/'), forward(web))]);
  const badSource = { kind: 'HTTPProxy', namespace: 'default', name: 'bad' };
  const bad = {
    ...virtualHost('bad.test', [
      route(
        {
          ...prefixMatch('/'),
          headers: [
            {
              name: 'x-bad\r\nname',
              kind: 'present',
              invert: false,
              ignoreCase: false,
              treatMissingAsEmpty: false,
            },
          ],
        },
        forward(web),
        { source: badSource },
      ),
    ]),
    source: badSource,
  };

  it('drops a virtual host that breaks validate.rules and names the objects behind it', () => {
    const dag: Dag = { ...emptyDag(), httpVirtualHosts: [bad, good], clusters: [web] };
    const { resources, rejections } = assembleDag(dag, storeWith(), options);
    const plain = resources.routes.find((r) => r.name === 'ingress_http') as SplicedRouteConfiguration;
    assert.deepEqual(names(plain.virtualHosts), ['good.test']);
    assert.equal(rejections.length, 1);
    assert.equal(rejections[0].type, 'route');
    assert.deepEqual(rejections[0].sources, [badSource]);
    assert.match(rejections[0].violations.join('\n'), /header/i);
  });

  it('drops an invalid cluster and the hosts that route to it', () => {
    // An ExternalName cluster with an empty DNS name: Envoy requires a socket address.
    const broken = cluster('broken', 80, { externalName: '' });
    const uses = virtualHost('uses.test', [route(prefixMatch('/'), forward(broken))]);
    const dag: Dag = { ...emptyDag(), httpVirtualHosts: [good, uses], clusters: [broken, web] };
    const { resources, rejections } = assembleDag(dag, storeWith(), options);
    const plain = resources.routes.find((r) => r.name === 'ingress_http') as SplicedRouteConfiguration;
    assert.equal(rejections.length, 1, JSON.stringify(rejections));
    assert.deepEqual(names(resources.clusters), [web.name]);
    assert.deepEqual(names(plain.virtualHosts), ['good.test']);
    assert.equal(rejections[0].type, 'cluster');
    assert.deepEqual(rejections[0].sources, [uses.source]);
  });

  it('turns a rejection into a status error and degraded config in serve', () => {
    const store = createStore();
    const objects: KubeObject[] = [
      service('web'),
      proxy('web', 'web.test', 'web'),
      {
        ...proxy('bad', 'bad.test', 'web'),
        spec: {
          virtualhost: { fqdn: 'bad.test' },
          routes: [
            {
              conditions: [{ prefix: '/', header: { name: 'x-bad\nname', present: true } }],
              services: [{ name: 'web', port: 80 }],
            },
          ],
        },
      },
    ];
    for (const object of objects) store.apply({ type: 'upsert', object });
    const built = createIncrementalEngine(store, defaultBuildOptions, options).build();
    const status = built.result.statuses.find((s) => s.name === 'bad');
    // Either the build refuses the header itself, or the assembler withholds what it made of it.
    const errors = status?.conditions.flatMap((condition) => condition.errors ?? []) ?? [];
    assert.ok(errors.length > 0, JSON.stringify(status));
    assert.equal(status?.currentStatus, 'invalid');
    const plain = built.resources.routes.find((r) => r.name === 'ingress_http') as SplicedRouteConfiguration;
    assert.deepEqual(names(plain.virtualHosts), ['web.test']);
  });
});
