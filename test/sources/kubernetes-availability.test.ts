// The tracker of kinds that cannot be read: per-kind problems from several scopes (namespaces),
// reported when they appear, change or clear, and mirrored in contour_source_unavailable.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { metricsRegistry } from '../../src/util/metrics.js';
import {
  createAvailabilityTracker,
  type KindProblem,
  unavailableMessage,
} from '../../src/sources/kubernetes/availability.js';

const gaugeText = (): Promise<string> =>
  metricsRegistry.getSingleMetricAsString('contour_source_unavailable');

describe('kubernetes availability tracker', () => {
  it('reports a kind while any of its scopes cannot be read, and clears it with the last', async () => {
    const changes: [string, KindProblem | undefined][] = [];
    const tracker = createAvailabilityTracker((kind, problem) => changes.push([kind, problem]));
    const forbidden = (namespace: string): KindProblem => ({
      reason: 'forbidden',
      message: `Secret cannot be read in ${namespace}`,
    });
    tracker.set('Secret', 'b', forbidden('b'));
    tracker.set('Secret', 'a', forbidden('a'));
    assert.deepEqual(
      changes.map(([, problem]) => problem?.message),
      ['Secret cannot be read in b', 'Secret cannot be read in a'],
      'the first scope in order speaks for the kind',
    );
    assert.match(await gaugeText(), /contour_source_unavailable\{kind="Secret",reason="forbidden"\} 1/);
    tracker.set('Secret', 'a', undefined);
    assert.equal(changes.at(-1)?.[1]?.message, 'Secret cannot be read in b');
    assert.equal(tracker.problems().size, 1);
    tracker.set('Secret', 'b', undefined);
    assert.deepEqual(changes.at(-1), ['Secret', undefined]);
    assert.equal(tracker.problems().size, 0);
    assert.doesNotMatch(await gaugeText(), /kind="Secret"/);
    const before = changes.length;
    tracker.set('Secret', 'b', undefined);
    assert.equal(changes.length, before, 'no change, no report');
  });

  it('names the missing permission and what the absence does to routing', () => {
    const message = unavailableMessage(
      'IngressClass',
      {
        reason: 'forbidden',
        verb: 'list',
        permission: 'list ingressclasses.networking.k8s.io (cluster-wide)',
        message: 'forbidden',
      },
      30_000,
    );
    assert.match(
      message,
      /^IngressClass cannot be read: forbidden \(missing permission: list ingressclasses/,
    );
    assert.match(message, /re-checked every 30 s/);
    assert.match(message, /--ingress-class-name alone/);
  });
});
