// Every translate-seam case (hand-written DAG in, Envoy snapshot out), compared with its expected files.
// A case without expected files fails: regenerate with `npm run golden -- --update` and review.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readSeamExpected, runSeamCase, seamCaseNames, seamFiles } from './translate-seam.js';

describe('translate seam goldens', () => {
  const names = seamCaseNames();
  it('has cases', () => assert.ok(names.length >= 5, `found ${names.length}`));
  for (const name of names) {
    it(name, () => {
      const output = runSeamCase(name);
      for (const file of seamFiles) {
        const expected = readSeamExpected(name, file);
        assert.ok(expected !== undefined, `${name}/${file} is missing: npm run golden -- --update`);
        assert.equal(output[file], expected, `${name}/${file} differs: npm run golden -- --update`);
      }
    });
  }
});
