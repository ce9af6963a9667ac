// Property tests: the build's output (DAG and statuses) never depends on the order objects arrive in,
// nor on the order of routes, services, conditions or includes inside a spec.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildDag, defaultBuildOptions } from '../../src/dag/build.js';
import type { KubeObject } from '../../src/apis/meta.js';
import { createStore } from '../../src/store/store.js';
import { baseObjects, permute, permuteSpec, proxyWorld } from './arbitraries.js';

const build = (objects: KubeObject[]) => {
  const store = createStore();
  for (const object of objects) store.apply({ type: 'upsert', object });
  return buildDag(store, defaultBuildOptions);
};

describe('build output does not depend on input order', () => {
  it('is the same whatever order objects are added to the store', () => {
    fc.assert(
      fc.property(proxyWorld, fc.integer(), (proxies, seed) => {
        const objects = [...baseObjects(), ...proxies];
        assert.deepEqual(build(permute(objects, seed)), build(objects));
      }),
      { numRuns: 150 },
    );
  });

  it('is the same whatever order routes, services, conditions and includes are written in', () => {
    fc.assert(
      fc.property(proxyWorld, fc.integer(), (proxies, seed) => {
        const reordered = proxies.map((proxy) => permuteSpec(proxy, seed));
        assert.deepEqual(build([...baseObjects(), ...reordered]), build([...baseObjects(), ...proxies]));
      }),
      { numRuns: 300 },
    );
  });

  it('produces byte-identical JSON on repeated builds of the same store', () => {
    fc.assert(
      fc.property(proxyWorld, (proxies) => {
        const store = createStore();
        for (const object of [...baseObjects(), ...proxies]) store.apply({ type: 'upsert', object });
        assert.equal(
          JSON.stringify(buildDag(store, defaultBuildOptions)),
          JSON.stringify(buildDag(store, defaultBuildOptions)),
        );
      }),
      { numRuns: 50 },
    );
  });
});
