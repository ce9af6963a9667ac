import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectStartupGarbage } from '../../src/lifecycle/startup-garbage.js';

test('start-up garbage is collected without --expose-gc', () => {
  // ~50 MB of short-lived objects the collector can reclaim.
  let garbage: unknown[] | undefined = Array.from({ length: 200_000 }, (_, index) => ({
    index,
    text: `object-${index}`.repeat(8),
  }));
  assert.equal(garbage.length, 200_000);
  garbage = undefined;
  const called = performance.now();
  const collected = collectStartupGarbage();
  const wall = performance.now() - called;
  assert.ok(collected, 'gc is available at run time');
  assert.ok(
    collected.after < collected.before - 20 * 2 ** 20,
    `heap used fell by more than 20 MB (${collected.before} -> ${collected.after})`,
  );
  // The reported pause is the collection's own duration: positive, and within the call's wall time.
  assert.ok(collected.ms > 0 && collected.ms <= wall, `pause ${collected.ms} ms within a call of ${wall} ms`);
});
