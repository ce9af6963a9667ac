// The hostile-input fuzz suite at a larger size than `npm test` runs it (issue 13).
//   node --import tsx test/fuzz/large-run.ts [runs=1000] [seed]
// Prints one row: batches, how many were refused, and the longest the event loop was held.
import { maxBlockMs, runHostileProperty } from './hostile-property.js';

const runs = Number(process.argv[2] ?? 1000);
const seed = process.argv[3] === undefined ? Date.now() % 2 ** 31 : Number(process.argv[3]);
const started = performance.now();
const stats = await runHostileProperty(runs, seed);
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log('| row | seed | batches | refused | longest loop hold (ms, limit) | time (s) |');
console.log('| --- | ---- | ------- | ------- | ----------------------------- | -------- |');
console.log(
  `| fuzz-hostile | ${seed} | ${stats.batches} | ${stats.refusedBatches} | ${stats.maxBlockMs.toFixed(0)} (< ${maxBlockMs}) | ${seconds} |`,
);
