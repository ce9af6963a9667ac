// Make-before-break invariants over long random change sequences (seeded), for SotW and delta ADS.
// A model Envoy checks every message it receives; at the end it must hold exactly the final snapshot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createSnapshotCache, type SnapshotCache } from '../../src/xds/cache/snapshot-cache.js';
import { startXdsServer } from '../../src/xds/server/xds-server.js';
import type { PlanCounts, PlanHooks } from '../../src/xds/server/planner.js';
import { silentLogger } from '../../src/util/logger.js';
import type { EnvoyResources } from '../../src/envoy/resources.js';
import type { Cluster } from '../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { ClusterLoadAssignment } from '../../src/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { connect } from './client.js';
import { startModelClient, type InitialNames, type ModelClient } from './model-client.js';
import {
  edsCluster,
  endpoints,
  httpListener,
  resourcesOf,
  routeConfig,
  secret,
  staticCluster,
  tcpListener,
} from './fixtures.js';

const stepArbitrary = fc.record({
  endpointsOnly: fc.nat(3).map((n) => n === 0),
  clusters: fc.array(
    fc.record({
      index: fc.nat(7),
      eds: fc.boolean(),
      service: fc.nat(2),
      timeout: fc.integer({ min: 1, max: 3 }),
      bad: fc.nat(24),
    }),
    { maxLength: 8 },
  ),
  routes: fc.array(
    fc.record({
      index: fc.nat(3),
      picks: fc.array(fc.nat(7), { maxLength: 3 }),
      mirror: fc.option(fc.nat(7)),
    }),
    { maxLength: 4 },
  ),
  listeners: fc.array(
    fc.record({
      index: fc.nat(2),
      tcp: fc.nat(3).map((n) => n === 0),
      route: fc.nat(3),
      secret: fc.option(fc.nat(2)),
      cluster: fc.nat(7),
    }),
    { maxLength: 3 },
  ),
  secrets: fc.array(fc.record({ index: fc.nat(2), pem: fc.nat(2) }), { maxLength: 3 }),
  ports: fc.array(fc.nat(3), { minLength: 8, maxLength: 8 }),
  pause: fc.nat(6),
});

type Step = typeof stepArbitrary extends fc.Arbitrary<infer T> ? T : never;

const firstByIndex = <T extends { index: number }>(items: readonly T[]): T[] => {
  const seen = new Map<number, T>();
  for (const item of items) if (!seen.has(item.index)) seen.set(item.index, item);
  return [...seen.values()].sort((a, b) => a.index - b.index);
};

/** The endpoints of every EDS cluster, so each one can warm. */
const endpointsFor = (clusters: readonly Cluster[], ports: readonly number[]): ClusterLoadAssignment[] => {
  const names = new Set<string>();
  for (const cluster of clusters) {
    if (cluster.edsClusterConfig) names.add(cluster.edsClusterConfig.serviceName || cluster.name);
  }
  return [...names].sort().map((name, i) => endpoints(name, 8000 + ports[i % ports.length]));
};

/** A consistent snapshot: every reference points to something in the same snapshot. */
const snapshotOf = (step: Step, allowBad: boolean): EnvoyResources => {
  const clusters = firstByIndex(step.clusters).map((c) =>
    c.eds
      ? edsCluster(`c${c.index}`, {
          serviceName: c.service === 0 ? '' : `svc${c.index}-${c.service}`,
          timeoutSeconds: allowBad && c.bad === 0 ? 99 : c.timeout,
        })
      : staticCluster(`c${c.index}`),
  );
  const clusterNames = clusters.map((c) => c.name);
  const existing = (index: number): string | undefined =>
    clusterNames.includes(`c${index}`) ? `c${index}` : undefined;
  const routes = firstByIndex(step.routes).map((r) =>
    routeConfig(
      `r${r.index}`,
      r.picks.map(existing).filter((n): n is string => n !== undefined),
      r.mirror === null ? undefined : existing(r.mirror),
    ),
  );
  const secrets = firstByIndex(step.secrets).map((s) => secret(`s${s.index}`, `PEM${s.pem}`));
  const listeners = firstByIndex(step.listeners).flatMap((l) => {
    if (l.tcp) {
      const cluster = existing(l.cluster);
      return cluster ? [tcpListener(`l${l.index}`, cluster)] : [];
    }
    const route = routes.find((r) => r.name === `r${l.route}`) ?? routes[0];
    if (!route) return [];
    const secretName = l.secret === null ? undefined : secrets.find((s) => s.name === `s${l.secret}`)?.name;
    return [httpListener(`l${l.index}`, route.name, secretName)];
  });
  return resourcesOf({ clusters, routes, listeners, secrets, endpoints: endpointsFor(clusters, step.ports) });
};

const pause = async (turns: number): Promise<void> => {
  for (let i = 0; i < turns; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
};

/** The RDS, EDS and SDS names of a snapshot: what an Envoy that held it subscribes to on reconnecting. */
const namesOf = (snapshot: EnvoyResources): InitialNames =>
  new Map([
    ['route', snapshot.routes.map((r) => r.name)],
    ['endpoint', snapshot.endpoints.map((e) => e.clusterName)],
    ['secret', snapshot.secrets.map((s) => s.name)],
  ] as const);

/** Resolves when the model converged; rejects, saying so, if it has not after `ms` (stuck resources). */
const convergence = (model: ModelClient, cache: SnapshotCache, ms: number): Promise<void> =>
  Promise.race([
    model.converged(cache),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`the client did not converge within ${ms} ms`)), ms).unref(),
    ),
  ]);

const runVariant = async (variant: 'sotw' | 'delta', seed: number, planHooks: PlanHooks) => {
  const totals = { responses: 0, nacks: 0, steps: 0, knowingStarts: 0 };
  const runArbitrary = fc.tuple(fc.boolean(), fc.array(stepArbitrary, { minLength: 250, maxLength: 250 }));
  const result = await fc.check(
    fc.asyncProperty(runArbitrary, async ([startsKnowing, steps]) => {
      const cache = createSnapshotCache();
      const server = await startXdsServer({
        cache,
        address: '127.0.0.1',
        port: 0,
        logger: silentLogger(),
        planHooks,
      });
      const client = connect(server.port);
      // Half the runs start like an Envoy that knows the names: the first snapshot is there, and the
      // client subscribes to every type (RDS, EDS, SDS by name) before it ACKs anything.
      let initialNames: InitialNames | undefined;
      let initialClusters: Cluster[] = [];
      if (startsKnowing) {
        const first = snapshotOf(steps[0], true);
        cache.publish(first);
        initialClusters = first.clusters;
        initialNames = namesOf(first);
        totals.knowingStarts += 1;
      }
      const model = startModelClient(client, variant, `model-${variant}`, initialNames);
      try {
        let clusters: Cluster[] = initialClusters;
        for (const step of steps) {
          if (step.endpointsOnly) {
            cache.publishEndpoints(endpointsFor(clusters, step.ports));
          } else {
            const snapshot = snapshotOf(step, true);
            clusters = snapshot.clusters;
            cache.publish(snapshot);
          }
          totals.steps += 1;
          await pause(step.pause);
          if (model.violations.length > 0) break;
        }
        // The last snapshot is valid, so the client must end up holding exactly it.
        cache.publish(snapshotOf({ ...steps[steps.length - 1], endpointsOnly: false }, false));
        await convergence(model, cache, 30_000);
        assert.deepEqual(model.violations, []);
        assert.ok(model.stats.responses > 0);
        totals.responses += model.stats.responses;
        totals.nacks += model.stats.nacks;
      } finally {
        model.close();
        client.close();
        await server.close();
      }
    }),
    { seed, numRuns: 6, endOnFailure: true },
  );
  // The counterexample is thousands of steps long: report the failure itself, not the input.
  if (result.failed)
    throw result.errorInstance instanceof Error
      ? result.errorInstance
      : new Error(String(result.errorInstance));
  return totals;
};

/**
 * Runs a variant with every plan made from changed names only also made name by name: the two views,
 * and the version_info carried forward against one hashed over the whole view, must agree.
 */
const runCrossChecked = async (variant: 'sotw' | 'delta', seed: number): Promise<void> => {
  const planCounts: PlanCounts = { incremental: 0, full: 0, crossChecked: 0, settledSkips: 0 };
  const totals = await runVariant(variant, seed, { crossCheck: true, counts: planCounts });
  assert.ok(totals.steps >= 1500);
  assert.ok(totals.knowingStarts > 0, 'some runs subscribed to every type before any ACK');
  assert.ok(totals.nacks > 0, 'the sequences exercised NACKs');
  assert.ok(planCounts.crossChecked > 1000, 'incremental plans were checked');
  assert.ok(planCounts.full > 0, 'full plans were made too');
  assert.ok(
    planCounts.settledSkips > 100,
    'references to settled types were skipped, and checked one by one',
  );
};

test('make before break holds on SotW ADS over random changes', { timeout: 120_000 }, () =>
  runCrossChecked('sotw', 20261126),
);

test('make before break holds on delta ADS over random changes', { timeout: 120_000 }, () =>
  runCrossChecked('delta', 4242),
);
