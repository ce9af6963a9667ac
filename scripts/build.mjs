#!/usr/bin/env node
// Compiles the CLI into dist/ with esbuild: one ES module per lazily loaded subcommand, npm packages
// left as imports. Running the compiled output starts in a fraction of the time `tsx` needs to
// transform ~200 TypeScript files (and the generated Envoy protos) on every start; bin/contour uses
// it whenever it is newer than every file under src/, and falls back to tsx otherwise.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const staging = resolve(root, `dist.${process.pid}`);
const target = resolve(root, 'dist');

const started = performance.now();
// Build information for `contour version` and contour_build_info (src/util/build-info.ts).
const git = (...args) => {
  try {
    const out = execFileSync('git', args, {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return out && out !== 'HEAD' ? out : 'unknown';
  } catch {
    return 'unknown';
  }
};
const buildInfo = {
  branch: git('rev-parse', '--abbrev-ref', 'HEAD'),
  revision: git('rev-parse', 'HEAD'),
  version: JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')).version ?? 'unknown',
};
mkdirSync(staging, { recursive: true });
await build({
  entryPoints: {
    main: resolve(root, 'src/cli/main.ts'),
    // Started with new Worker() by src/sources/files/parse-pool.ts, from next to its chunk.
    'parse-worker': resolve(root, 'src/sources/files/parse-worker.ts'),
  },
  outdir: staging,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
  define: { __CONTOUR_BUILD_INFO__: JSON.stringify(buildInfo) },
});
// Swap the whole directory in, so a concurrently starting bin/contour sees either the old build or
// the new one, never half of each.
rmSync(target, { recursive: true, force: true });
renameSync(staging, target);
console.error(`built dist/ in ${(performance.now() - started).toFixed(0)} ms`);
