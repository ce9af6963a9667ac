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
  const collected = collectStartupGarbage();
  assert.ok(collected, 'gc is available at run time');
  assert.ok(
    collected.after < collected.before - 20 * 2 ** 20,
    `heap used fell by more than 20 MB (${collected.before} -> ${collected.after})`,
  );
  assert.ok(collected.ms >= 0);
});
