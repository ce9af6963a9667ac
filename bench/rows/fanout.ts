// fanout: many delta ADS streams; one cluster changes → every stream holds it. This measures the
// snapshot cache and the xDS server alone: the change is published straight to the cache.
import { clone, type Message } from '@bufbuild/protobuf';
import type { Cluster } from '../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterSchema } from '../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { EnvoyResources, ResourceType } from '../../src/envoy/resources.js';
import type { SnapshotCache } from '../../src/xds/cache/snapshot-cache.js';
import { allObjects } from '../scale-set.js';
import { connectFleet, startControlPlane } from '../in-process.js';
import { summarize } from '../stats.js';
import { messageOf, unavailable, type Row, type RowResult } from './row.js';

const messagesOf = <T extends Message>(cache: SnapshotCache, type: ResourceType): T[] =>
  [...cache.resources(type).values()].map((entry) => entry.message as T);

/** The cache's current resources as a publishable set. */
const currentResources = (cache: SnapshotCache): EnvoyResources => ({
  listeners: messagesOf(cache, 'listener'),
  routes: messagesOf(cache, 'route'),
  clusters: messagesOf(cache, 'cluster'),
  endpoints: messagesOf(cache, 'endpoint'),
  secrets: messagesOf(cache, 'secret'),
});

export const fanoutRow: Row = {
  id: 'fanout',
  measure: '1,000 delta ADS streams; one cluster changes → all hold it',
  target: 'p99 ≤ 200 ms',
  run: async (context): Promise<RowResult> => {
    const streams = context.quick ? 100 : 1000;
    let controlPlane;
    try {
      controlPlane = await startControlPlane(allObjects(context.set));
    } catch (error) {
      return unavailable('fanout', context.size, `n/a (${messageOf(error)})`);
    }
    const { cache } = controlPlane;
    const clusterNames = [...cache.resources('cluster').keys()].sort();
    if (clusterNames.length === 0) {
      await controlPlane.stop();
      return unavailable('fanout', context.size, 'n/a (the build produced no clusters)');
    }
    // 1,000 Envoys would be 1,000 connections; 20 connections carrying 50 streams each keep the
    // bench's own socket overhead down while the server still serves every stream separately.
    const changes = context.quick ? 5 : 30;
    const changed = Array.from(
      { length: changes },
      (_, change) => clusterNames[Math.floor((change * clusterNames.length) / changes)],
    );
    // Streams subscribe by name to the clusters that change: a wildcard sync of 10,000 clusters to
    // 1,000 in-process streams (gigabytes) starves the shared event loop until gRPC drops streams.
    const fleet = connectFleet(controlPlane.xdsPort, streams, Math.min(20, streams), () => 'delta', {
      cluster: changed,
    });
    try {
      await fleet.allHold(
        changed.map((name) => ({ type: 'cluster' as const, name })),
        0n,
        600_000,
      );
      const samples: number[] = [];
      for (let change = 0; change < changes; change++) {
        const name = changed[change];
        const resources = currentResources(cache);
        resources.clusters = resources.clusters.map((cluster) => {
          if (cluster.name !== name) return cluster;
          const changed: Cluster = clone(ClusterSchema, cluster);
          changed.connectTimeout = {
            $typeName: 'google.protobuf.Duration',
            seconds: BigInt(3 + change),
            nanos: 0,
          };
          return changed;
        });
        const since = process.hrtime.bigint();
        cache.publish(resources);
        const version = cache.resources('cluster').get(name)!.version;
        samples.push(await fleet.allHold([{ type: 'cluster', name, version }], since, 120_000));
      }
      const { median, p99, runs } = summarize(samples);
      return {
        id: 'fanout',
        size: context.size,
        unit: 'ms',
        median,
        p99,
        runs,
        extra: { streams },
        meetsTarget: context.size >= 10_000 && !context.quick ? p99 <= 200 : undefined,
      };
    } catch (error) {
      return unavailable('fanout', context.size, `n/a (${messageOf(error)})`);
    } finally {
      fleet.close();
      await controlPlane.stop();
    }
  },
};
