// Same inputs in any order → byte-identical output (every replica must serve the same snapshot).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { toBinary, type DescMessage, type Message } from '@bufbuild/protobuf';
import { translate, defaultTranslateOptions } from '../../src/assemble/translate.js';
import { canonicalText, resourcesToJson } from '../../src/envoy/canonical-json.js';
import { envoyRegistry } from '../../src/envoy/registry.js';
import type { EnvoyResources } from '../../src/envoy/resources.js';
import type { Dag } from '../../src/dag/types.js';
import { storeWith } from './fixtures.js';
import { kitchenSinkDag, kitchenSinkSlices } from './kitchen-sink.js';
import { loadScenario, runScenario, scenarioNames } from '../golden/harness.js';

const encoded = (resources: EnvoyResources): string[] =>
  [
    ...resources.listeners,
    ...resources.routes,
    ...resources.clusters,
    ...resources.endpoints,
    ...resources.secrets,
  ].map((message: Message) =>
    Buffer.from(toBinary(envoyRegistry.getMessage(message.$typeName) as DescMessage, message)).toString(
      'base64',
    ),
  );

const permutation = <T>(items: T[]) =>
  fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length });

describe('determinism', () => {
  const dag = kitchenSinkDag();
  const slices = kitchenSinkSlices();
  const reference = translate(dag, storeWith(...slices), defaultTranslateOptions);
  const referenceText = canonicalText(resourcesToJson(reference));
  const referenceBytes = encoded(reference);

  it('the kitchen-sink DAG translates identically whatever the order of its unordered parts', () => {
    fc.assert(
      fc.property(
        permutation(dag.clusters),
        permutation(dag.secrets),
        permutation(dag.httpVirtualHosts),
        permutation(dag.httpsVirtualHosts),
        permutation(slices),
        fc.boolean(),
        (clusters, secrets, httpVirtualHosts, httpsVirtualHosts, shuffledSlices, reverseEndpoints) => {
          const shuffled: Dag = { clusters, secrets, httpVirtualHosts, httpsVirtualHosts };
          const sliceCopies = shuffledSlices.map((slice) => ({
            ...slice,
            endpoints: reverseEndpoints ? [...(slice.endpoints ?? [])].reverse() : slice.endpoints,
          }));
          const resources = translate(shuffled, storeWith(...sliceCopies), defaultTranslateOptions);
          assert.equal(canonicalText(resourcesToJson(resources)), referenceText);
          assert.deepEqual(encoded(resources), referenceBytes);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('translating twice gives the same bytes (no hidden state)', () => {
    assert.deepEqual(encoded(translate(dag, storeWith(...slices), defaultTranslateOptions)), referenceBytes);
  });

  for (const name of scenarioNames()) {
    it(`golden scenario ${name}: object order does not matter`, () => {
      const input = loadScenario(name);
      const expected = runScenario(input).files;
      fc.assert(
        fc.property(permutation(input.objects), (objects) => {
          assert.deepEqual(runScenario(input, objects).files, expected);
        }),
        { numRuns: 5 },
      );
    });
  }
});
