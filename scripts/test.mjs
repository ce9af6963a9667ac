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
// --test-force-exit: a test file whose tests have all ended exits even if something it started left a
// handle open (a leaked watcher once kept a file's process, and so CI, waiting until its time limit).
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-force-exit', ...passthrough, ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
