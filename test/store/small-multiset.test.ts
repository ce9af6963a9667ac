// The small multiset (an array while small, a Map of counts beyond) must behave as a plain counting
// model over random add/remove sequences that cross the array/Map boundary both ways.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  multisetAdd,
  multisetRemove,
  multisetValues,
  type SmallMultiset,
} from '../../src/store/small-multiset.js';

test('small multisets count like a Map of counts, empty ones are undefined', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ add: fc.boolean(), value: fc.integer({ min: 0, max: 11 }) }), { maxLength: 80 }),
      (operations) => {
        let set: SmallMultiset<number> | undefined;
        const model = new Map<number, number>();
        for (const { add, value } of operations) {
          if (add) {
            set = multisetAdd(set, value);
            model.set(value, (model.get(value) ?? 0) + 1);
          } else {
            set = multisetRemove(set, value);
            const count = model.get(value) ?? 0;
            if (count > 1) model.set(value, count - 1);
            else model.delete(value);
          }
          assert.equal(set === undefined, model.size === 0);
          assert.deepEqual(new Set(multisetValues(set)), new Set(model.keys()));
          const counts = new Map<number, number>();
          if (Array.isArray(set)) for (const item of set) counts.set(item, (counts.get(item) ?? 0) + 1);
          else if (set !== undefined) for (const [item, count] of set) counts.set(item, count);
          assert.deepEqual(counts, model);
        }
      },
    ),
    { numRuns: 300 },
  );
});
