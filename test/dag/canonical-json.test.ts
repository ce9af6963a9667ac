// canonicalJson is hashed into cluster and secret names, so it must never change its output: it is
// checked against its definition, JSON.stringify with every object's keys sorted by a replacer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { canonicalJson } from '../../src/dag/names.js';

const reference = (value: unknown): string =>
  JSON.stringify(value, (_key, field: unknown) => {
    if (field && typeof field === 'object' && !Array.isArray(field)) {
      const sorted: Record<string, unknown> = {};
      for (const key of Object.keys(field).sort()) {
        // defineProperty, so that an own `__proto__` key stays a key (assignment would drop it).
        Object.defineProperty(sorted, key, {
          value: (field as Record<string, unknown>)[key],
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return sorted;
    }
    return field;
  });

describe('canonicalJson', () => {
  it('equals JSON.stringify with sorted keys on arbitrary values', () => {
    fc.assert(
      fc.property(
        fc
          .anything({
            withNullPrototype: true,
            withBoxedValues: true,
            withSparseArray: true,
            withDate: true,
            withObjectString: true,
            key: fc.oneof(
              fc.string(),
              fc.constantFrom('0', '1', '10', '9', '-1', '01', '4294967295', '__proto__'),
            ),
          })
          .filter((value) => {
            try {
              JSON.stringify(value);
              return true;
            } catch {
              return false; // BigInt: both throw, checked below
            }
          }),
        (value) => assert.equal(canonicalJson(value), reference(value)),
      ),
      { numRuns: 2000 },
    );
  });

  it('writes integer-like keys first in numeric order, then the rest sorted', () => {
    const value = { b: 1, 10: 2, a: { z: undefined, y: [undefined, () => 1, 'x'] }, 9: 3 };
    assert.equal(canonicalJson(value), '{"9":3,"10":2,"a":{"y":[null,null,"x"]},"b":1}');
    assert.equal(canonicalJson(value), reference(value));
  });

  it('throws on BigInt like JSON.stringify', () => {
    assert.throws(() => canonicalJson({ a: 1n }), TypeError);
  });
});
