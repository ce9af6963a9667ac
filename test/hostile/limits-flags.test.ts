// The input limits are `contour serve` flags: parsed, validated, and defaulted from one table.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inputLimitFlags, parseInputLimits } from '../../src/cli/config.js';
import { defaultInputLimits } from '../../src/dag/limits.js';

describe('input limit flags', () => {
  it('keeps the defaults when no flag is given', () => {
    assert.deepEqual(parseInputLimits({}), defaultInputLimits);
  });

  it('sets each limit from its flag', () => {
    const raw = {
      maxIncludeDepth: '4',
      maxRoutesPerVhost: '50',
      maxIncludesPerVhost: '60',
      maxRegexLength: '70',
      maxPemBytes: '80',
      maxPemBlocks: '9',
    };
    assert.deepEqual(parseInputLimits(raw), {
      maxIncludeDepth: 4,
      maxRoutesPerVirtualHost: 50,
      maxIncludesPerVirtualHost: 60,
      maxRegexLength: 70,
      maxPemBytes: 80,
      maxPemBlocks: 9,
    });
    assert.equal(inputLimitFlags.length, Object.keys(defaultInputLimits).length, 'every limit has a flag');
  });

  it('refuses values that are not positive integers, naming the flag', () => {
    for (const value of ['0', '-1', '1.5', 'ten', '', '99999999999999999999']) {
      assert.throws(() => parseInputLimits({ maxIncludeDepth: value }), {
        message: `--max-include-depth: "${value}" is not a positive whole number`,
      });
    }
  });
});
