// rss: resident memory after a cold start (the real `contour serve` process), and its growth over
// successive edits (a child process running the control plane and applying the edits).
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { repoRoot, startServeProcess } from '../serve-process.js';
import { messageOf, unavailable, type Row, type RowResult } from './row.js';

interface EditLoopResult {
  before: number;
  after: number;
  heapBefore: number;
  heapAfter: number;
  edits: number;
  wanted: number;
}

/** Runs bench/scenarios/edit-loop.ts in a child and returns its report. */
export const runEditLoop = (
  size: number,
  seed: number,
  edits: number,
  budgetMs: number,
): Promise<EditLoopResult> =>
  new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--expose-gc',
        '--import',
        'tsx',
        resolve(repoRoot, 'bench/scenarios/edit-loop.ts'),
        `--size=${size}`,
        `--seed=${seed}`,
        `--edits=${edits}`,
        `--budget-ms=${budgetMs}`,
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-2000)));
    child.on('exit', (code) => {
      if (code !== 0)
        return reject(new Error(stderr.trim().split('\n').slice(-2).join(' | ') || `exit ${code}`));
      try {
        resolvePromise(JSON.parse(stdout.trim().split('\n').pop() ?? '') as EditLoopResult);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });

export const rssRow: Row = {
  id: 'rss',
  measure: 'resident memory after cold start; growth after 10,000 successive edits',
  target: '≤ 350 MB; ≤ 10 %',
  run: async (context): Promise<RowResult> => {
    let coldRss: number;
    try {
      const serve = await startServeProcess([`--manifests=${context.manifests}`], 120_000);
      // Let start-up garbage settle a moment, as a steady-state reading would.
      await new Promise((r) => setTimeout(r, 1000));
      coldRss = serve.rssMb();
      await serve.stop();
    } catch (error) {
      return unavailable('rss', context.size, `n/a (${messageOf(error)})`);
    }
    const result: RowResult = {
      id: 'rss',
      size: context.size,
      unit: 'MB',
      value: coldRss,
      extra: {},
    };
    try {
      // At N = 10,000 an edit costs ~65 ms in the loop (build, translate, encode, publish): 10,000 of
      // them need ~11 minutes, hence the budget.
      const edits = context.quick ? 200 : 10_000;
      const loop = await runEditLoop(
        context.size,
        context.set.options.seed,
        edits,
        context.quick ? 30_000 : 900_000,
      );
      const growth = ((loop.after - loop.before) / loop.before) * 100;
      result.extra = {
        growthPercent: growth,
        edits: loop.edits,
        editsWanted: loop.wanted,
        loopRssBefore: loop.before,
        loopRssAfter: loop.after,
        // Live data, beside rss: the allocator keeps freed gRPC/HTTP/2 and encoding buffers.
        loopHeapBefore: loop.heapBefore,
        loopHeapAfter: loop.heapAfter,
      };
      result.meetsTarget =
        context.size >= 10_000 && !context.quick
          ? coldRss <= 350 && growth <= 10 && loop.edits === loop.wanted
          : undefined;
    } catch (error) {
      result.extra = { growth: `n/a (${messageOf(error)})` };
    }
    return result;
  },
};
