// `npm run golden -- --update`: rewrites the expected files of every golden scenario (or of the
// scenarios named on the command line). Without --update, lists the scenarios whose output differs.
import {
  goldenFiles,
  loadScenario,
  readExpected,
  runScenario,
  scenarioNames,
  writeExpected,
} from './harness.js';
import {
  readSeamExpected,
  runSeamCase,
  seamCaseNames,
  seamFiles,
  writeSeamExpected,
} from './translate-seam.js';

const args = process.argv.slice(2);
const update = args.includes('--update');
const selected = args.filter((arg) => !arg.startsWith('--'));
const names =
  selected.length > 0 ? selected.filter((name) => scenarioNames().includes(name)) : scenarioNames();

let differing = 0;
for (const name of names) {
  const output = runScenario(loadScenario(name));
  if (update) {
    const changed = writeExpected(name, output);
    if (changed.length > 0) console.log(`${name}: updated ${changed.join(', ')}`);
  } else {
    const stale = goldenFiles.filter((file) => readExpected(name, file) !== output.files[file]);
    if (stale.length > 0) {
      differing++;
      console.log(`${name}: differs in ${stale.join(', ')}`);
    }
  }
}
// The translate-seam cases (test/golden/translate-seam/), by the same rules.
const seamNames =
  selected.length > 0 ? selected.filter((name) => seamCaseNames().includes(name)) : seamCaseNames();
for (const name of seamNames) {
  const output = runSeamCase(name);
  if (update) {
    const changed = writeSeamExpected(name, output);
    if (changed.length > 0) console.log(`translate-seam/${name}: updated ${changed.join(', ')}`);
  } else {
    const stale = seamFiles.filter((file) => readSeamExpected(name, file) !== output[file]);
    if (stale.length > 0) {
      differing++;
      console.log(`translate-seam/${name}: differs in ${stale.join(', ')}`);
    }
  }
}
if (!update) {
  console.log(
    differing === 0
      ? `${names.length} scenario(s) up to date`
      : `${differing} scenario(s) differ; rerun with --update`,
  );
  process.exitCode = differing === 0 ? 0 : 1;
}
