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
    // A scenario without its expected files fails (a todo would not fail the run): generate them with
    // `npm run golden -- --update` and review them before they land.
    it(name, () => {
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
    });
  }
});
