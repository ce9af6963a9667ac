// The planner on hand-made stream states: cases the random model test found, pinned deterministically.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceType } from '../../src/envoy/resources.js';
import { cacheResource, type CachedResource } from '../../src/xds/cache/cached-resource.js';
import { digestOfView } from '../../src/xds/cache/type-digest.js';
import { planTargets } from '../../src/xds/server/planner.js';
import { applySotwNames, newTypeState, type TypeState, type View } from '../../src/xds/server/type-state.js';
import { edsCluster, staticCluster, tcpListener } from './fixtures.js';

const viewOf = (...entries: CachedResource[]): View =>
  new Map(entries.map((entry) => [entry.name, { version: entry.version, entry }]));

const subscribed = (type: ResourceType, names: string[], acked: View = new Map()): TypeState => {
  const state = newTypeState(type);
  applySotwNames(state, names);
  state.acked = acked;
  state.ackedDigest = digestOfView(acked);
  return state;
};

test('a referrer waits while the response in flight carries another version of the cluster it uses', () => {
  // The client accepted c5 as a static cluster; the snapshot changed it to EDS (that response is in
  // flight) and back to static. The client will hold the EDS c5, without endpoints, when the listener
  // arrives: the listener must wait for the static c5 to be sent and accepted again.
  const staticC5 = cacheResource('cluster', staticCluster('c5'));
  const edsC5 = cacheResource('cluster', edsCluster('c5', { serviceName: 'svc5-1' }));
  const listener = cacheResource('listener', tcpListener('l1', 'c5'));
  const clusters = subscribed('cluster', [], viewOf(staticC5));
  const inFlightView = viewOf(edsC5);
  clusters.inFlight = { nonce: '1', view: inFlightView, digest: digestOfView(inFlightView) };
  const types = new Map<ResourceType, TypeState>([
    ['cluster', clusters],
    ['endpoint', subscribed('endpoint', ['svc5-1'])],
    ['listener', subscribed('listener', [])],
  ]);
  const snapshot = new Map<ResourceType, ReadonlyMap<string, CachedResource>>([
    ['cluster', new Map([['c5', staticC5]])],
    ['listener', new Map([['l1', listener]])],
  ]);
  const plan = planTargets(types, (type) => snapshot.get(type) ?? new Map(), 'sotw');
  assert.equal(plan.targets.get('listener')?.has('l1'), false);
  // Once the static c5 is what the client accepted and nothing else is on its way, the listener goes.
  clusters.inFlight = undefined;
  const after = planTargets(types, (type) => snapshot.get(type) ?? new Map(), 'sotw');
  assert.equal(after.targets.get('listener')?.has('l1'), true);
});
