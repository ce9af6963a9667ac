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

const args = process.argv.slice(2);
const update = args.includes('--update');
const selected = args.filter((arg) => !arg.startsWith('--'));
const names = selected.length > 0 ? selected : scenarioNames();

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
if (!update) {
  console.log(
    differing === 0
      ? `${names.length} scenario(s) up to date`
      : `${differing} scenario(s) differ; rerun with --update`,
  );
  process.exitCode = differing === 0 ? 0 : 1;
}
