// Every golden scenario: manifests → DAG + status → Envoy resources, compared with the expected
// files. Regenerate with `npm run golden -- --update` and review the diff.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { goldenFiles, loadScenario, readExpected, runScenario, scenarioNames } from './harness.js';

const names = scenarioNames();

describe('golden scenarios', () => {
  it('there are scenarios to run', () => {
    assert.ok(names.length >= 15, `expected at least 15 scenarios, found ${names.length}`);
  });

  for (const name of names) {
    // A scenario whose expected files were never generated is reported as a todo (it still runs,
    // so a crash shows), not as a failure: new inputs land before their reviewed outputs.
    const generated = goldenFiles.some((file) => readExpected(name, file) !== undefined);
    it(
      name,
      { todo: generated ? false : 'expected files not generated yet: npm run golden -- --update' },
      () => {
        const output = runScenario(loadScenario(name));
        for (const file of goldenFiles) {
          const expected = readExpected(name, file);
          assert.ok(expected !== undefined, `${name}/${file} missing: run \`npm run golden -- --update\``);
          assert.equal(
            output.files[file],
            expected,
            `${name}/${file} differs: review, then \`npm run golden -- --update\``,
          );
        }
      },
    );
  }
});
