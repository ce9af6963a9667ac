// Issue 13's fuzz suite (modest size here; `test/fuzz/large-run.ts` runs it larger): hostile objects
// through the whole pipeline keep it up, responsive, serving what was valid, and honest on /readyz.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runHostileProperty } from './hostile-property.js';

describe('hostile input fuzz', () => {
  it('hostile batches never block the loop, disturb valid objects, or go unreported', async () => {
    const stats = await runHostileProperty(Number(process.env.CONTOUR_FUZZ_RUNS ?? 30));
    assert.ok(stats.batches >= 30 || process.env.CONTOUR_FUZZ_RUNS !== undefined);
    assert.ok(stats.refusedBatches > 0, 'the generators produce objects that must be refused');
  });
});
