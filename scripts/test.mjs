#!/usr/bin/env node
// Runs node's test runner over test files (*.test.ts), with tsx for TypeScript.
// Usage: node scripts/test.mjs [dir-or-file ...]   (default: test/ and src/)
// Node 20's runner does not glob .ts files itself, so the files are listed here.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const passthrough = args.filter((a) => a.startsWith('--'));
const roots = args.filter((a) => !a.startsWith('--'));
const files = [];
const walk = (p) => {
  const st = statSync(p);
  if (st.isDirectory()) {
    for (const entry of readdirSync(p).sort()) {
      if (entry === 'node_modules' || entry === 'gen') continue;
      walk(join(p, entry));
    }
  } else if (p.endsWith('.test.ts')) files.push(p);
};
for (const r of roots.length ? roots : ['test', 'src']) {
  try {
    walk(r);
  } catch {
    // a missing default root is fine
  }
}
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// Tests that start `bin/contour` run the compiled CLI: compile it first (about a second), so they
// neither test stale code nor fall back to the slower tsx start.
const built = spawnSync(process.execPath, [new URL('./build.mjs', import.meta.url).pathname], {
  stdio: 'inherit',
});
if (built.status !== 0) process.exit(built.status ?? 1);
// No --test-force-exit: on Node 20 it can end a file's process before all its tests have reported (a
// 154-test file reported 133, and the run still passed). A file that leaks a handle instead keeps the run
// waiting; the deadline below turns that into a failure naming it, well inside CI's time limit.
const deadlineMs = Number(process.env.CONTOUR_TEST_DEADLINE_MS ?? 30 * 60_000);
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', ...passthrough, ...files],
  { stdio: 'inherit', timeout: deadlineMs, killSignal: 'SIGKILL' },
);
if (result.error?.code === 'ETIMEDOUT' || result.signal === 'SIGKILL') {
  console.error(
    `tests did not finish within ${deadlineMs / 60_000} min: a test file left a handle open or hung (see the last files above)`,
  );
  process.exit(1);
}
process.exit(result.status ?? 1);
