// Proxyless gRPC end to end: HTTPProxy objects → build → translate (+ proxyless listeners) → snapshot cache →
// the real xDS server → @grpc/grpc-js-xds clients dialling `xds:///echo.example.com` → real loopback backends.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import type { KubeObject } from '../../src/apis/meta.js';
import { createStore } from '../../src/store/store.js';
import { buildDag, defaultBuildOptions } from '../../src/dag/build.js';
import { defaultTranslateOptions, translate } from '../../src/assemble/translate.js';
import { addProxylessResources, proxylessResources } from '../../src/envoy/proxyless.js';
import type { EnvoyResources } from '../../src/envoy/resources.js';
import { typeUrls } from '../../src/envoy/resources.js';
import { ClusterSchema, Cluster_LbPolicy } from '../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import { createSnapshotCache, type SnapshotCache } from '../../src/xds/cache/snapshot-cache.js';
import { startXdsServer, type XdsServer } from '../../src/xds/server/xds-server.js';
import { nackCounter } from '../../src/xds/server/metrics.js';
import { silentLogger } from '../../src/util/logger.js';
import { waitFor } from '../helpers/wait.js';
import { alphaMethod, betaMethod, startBackend, who, type Backend } from './backends.js';

const fqdn = 'echo.example.com';
const namespace = 'default';

const service = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace },
  spec: { ports: [{ name: 'grpc', port: 80, targetPort: 'grpc', protocol: 'TCP' }] },
});

const endpointSlice = (serviceName: string, ports: number[]): KubeObject[] =>
  ports.map((port, index) => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${serviceName}-${index}`,
      namespace,
      labels: { 'kubernetes.io/service-name': serviceName },
    },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
    ports: [{ name: 'grpc', port, protocol: 'TCP' }],
  }));

const httpProxy = (): KubeObject => ({
  apiVersion: 'projectcontour.io/v1',
  kind: 'HTTPProxy',
  metadata: { name: 'echo', namespace },
  spec: {
    virtualhost: { fqdn },
    routes: [
      { conditions: [{ prefix: '/routing.Alpha/' }], services: [{ name: 'alpha', port: 80 }] },
      {
        conditions: [{ prefix: '/routing.Beta/' }, { header: { name: 'x-variant', exact: 'canary' } }],
        services: [{ name: 'canary', port: 80 }],
      },
      {
        conditions: [{ prefix: '/routing.Beta/' }],
        services: [
          { name: 'blue', port: 80, weight: 75 },
          { name: 'green', port: 80, weight: 25 },
        ],
      },
      // gRPC clients cannot follow redirects: this route must be left out, not break the config.
      { conditions: [{ prefix: '/old' }], requestRedirectPolicy: { hostname: 'new.example.com' } },
    ],
  },
});

describe('proxyless gRPC clients (xds:///fqdn)', () => {
  const backends: Record<string, Backend> = {};
  let objects: Map<string, KubeObject[]>;
  let cache: SnapshotCache;
  let server: XdsServer;
  let client: grpc.Client;

  // The whole pipeline for the current objects, as `contour serve` would publish it.
  const resourcesNow = (): EnvoyResources => {
    const store = createStore();
    for (const list of objects.values()) for (const object of list) store.apply({ type: 'upsert', object });
    const build = buildDag(store, defaultBuildOptions);
    return addProxylessResources(translate(build.dag, store, defaultTranslateOptions), build.dag).resources;
  };

  before(async () => {
    for (const name of ['alpha', 'alpha-2', 'canary', 'blue', 'green'])
      backends[name] = await startBackend(name);
    objects = new Map([
      ['services', ['alpha', 'canary', 'blue', 'green'].map(service)],
      ['alpha', endpointSlice('alpha', [backends.alpha.port])],
      ['canary', endpointSlice('canary', [backends.canary.port])],
      ['blue', endpointSlice('blue', [backends.blue.port])],
      ['green', endpointSlice('green', [backends.green.port])],
      ['proxy', [httpProxy()]],
    ]);
    cache = createSnapshotCache();
    cache.publish(resourcesNow());
    server = await startXdsServer({
      cache,
      address: '127.0.0.1',
      port: 0,
      logger: silentLogger(),
      shutdownGraceMs: 100,
    });
    process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
      xds_servers: [
        {
          server_uri: `127.0.0.1:${server.port}`,
          channel_creds: [{ type: 'insecure' }],
          server_features: ['xds_v3'],
        },
      ],
      node: { id: 'proxyless-e2e', locality: {} },
    });
    const xds = await import('@grpc/grpc-js-xds');
    xds.register();
    client = new grpc.Client(`xds:///${fqdn}`, grpc.credentials.createInsecure());
  });

  after(async () => {
    client?.close();
    await server?.close();
    await Promise.all(Object.values(backends).map((backend) => backend.stop()));
  });

  it('serves a listener named after the fqdn and leaves out the redirect route', () => {
    const store = createStore();
    for (const list of objects.values()) for (const object of list) store.apply({ type: 'upsert', object });
    const proxyless = proxylessResources(buildDag(store, defaultBuildOptions).dag);
    assert.deepEqual(
      proxyless.listeners.map((listener) => listener.name),
      [fqdn],
    );
    assert.deepEqual(proxyless.omittedRoutes, [{ fqdn, index: 3, action: 'redirect' }]);
    assert.equal(proxyless.routes[0].virtualHosts[0].routes.length, 3);
  });

  it('routes by path prefix', async () => {
    assert.equal(await who(client, alphaMethod), 'alpha');
  });

  it('routes by header', async () => {
    const metadata = new grpc.Metadata();
    metadata.set('x-variant', 'canary');
    assert.equal(await who(client, betaMethod, metadata), 'canary');
  });

  it('splits by weight (75/25) within a tolerance', async () => {
    const counts = new Map<string, number>();
    const total = 200;
    for (let i = 0; i < total; i++) {
      const name = await who(client, betaMethod);
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    assert.deepEqual([...counts.keys()].sort(), ['blue', 'green']);
    // Binomial(200, 0.75) has a standard deviation of about 6 RPCs (0.03); 0.12 is four of them.
    const blueShare = (counts.get('blue') ?? 0) / total;
    assert.ok(Math.abs(blueShare - 0.75) < 0.12, `blue share ${blueShare}`);
  });

  it('applies an endpoint change live', async () => {
    objects.set('alpha', endpointSlice('alpha', [backends['alpha-2'].port]));
    cache.publish(resourcesNow());
    await waitFor(
      'RPCs to reach the new alpha endpoint',
      async () => (await who(client, alphaMethod)) === 'alpha-2',
    );
    assert.equal(await who(client, alphaMethod), 'alpha-2');
  });

  it('keeps working through a NACKed update and applies the next good one', async () => {
    const nacks = async () =>
      (await nackCounter.get()).values.find((v) => v.labels.type_url === typeUrls.cluster)?.value ?? 0;
    const before = await nacks();
    const good = resourcesNow();
    // gRPC clients accept only ROUND_ROBIN/RING_HASH: a LEAST_REQUEST cluster is rejected.
    const bad: EnvoyResources = {
      ...good,
      clusters: good.clusters.map((cluster) =>
        create(ClusterSchema, { ...cluster, lbPolicy: Cluster_LbPolicy.LEAST_REQUEST }),
      ),
    };
    cache.publish(bad);
    await waitFor('the client to NACK the clusters', async () => (await nacks()) > before, 20_000);
    assert.equal(await who(client, alphaMethod), 'alpha-2', 'still routed with the last accepted config');

    objects.set('alpha', endpointSlice('alpha', [backends.alpha.port]));
    cache.publish(resourcesNow());
    await waitFor(
      'RPCs to follow the next good update',
      async () => (await who(client, alphaMethod)) === 'alpha',
    );
  });

  it('removes a backend without a failed RPC (endpoints go before the backend does)', async () => {
    const leaving = await startBackend('alpha-3');
    try {
      objects.set('alpha', endpointSlice('alpha', [backends.alpha.port, leaving.port]));
      cache.publish(resourcesNow());
      const seen = new Set<string>();
      await waitFor('both alpha endpoints in use', async () => {
        seen.add(await who(client, alphaMethod));
        return seen.has('alpha') && seen.has('alpha-3');
      });

      // Continuous traffic, bounded in count, while the endpoint is withdrawn and its server stopped.
      const failures: string[] = [];
      const answers: string[] = [];
      let running = true;
      const traffic = (async () => {
        for (let sent = 0; running && sent < 5_000; sent++) {
          try {
            answers.push(await who(client, alphaMethod));
          } catch (error) {
            failures.push((error as Error).message);
          }
        }
      })();
      objects.set('alpha', endpointSlice('alpha', [backends.alpha.port]));
      cache.publish(resourcesNow());
      await waitFor('traffic only on the remaining endpoint', () => {
        const recent = answers.slice(-20);
        return recent.length === 20 && recent.every((answer) => answer === 'alpha');
      });
      await leaving.stop();
      const after = answers.length;
      await waitFor('more RPCs after the backend stopped', () => answers.length >= after + 20);
      running = false;
      await traffic;
      assert.deepEqual(failures, [], 'no RPC failed while the backend was removed');
    } finally {
      await leaving.stop();
    }
  });
});
