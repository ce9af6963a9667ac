// cold-files: process start → /readyz 200, serving a manifests directory. Also samples rss.
import { startServeProcess } from '../serve-process.js';
import { summarize } from '../stats.js';
import { messageOf, unavailable, type Row, type RowResult } from './row.js';

/** Runs `contour serve --manifests` several times; returns start-up times and resident memory. */
export const measureColdFiles = async (
  manifests: string,
  runs: number,
  log: (message: string) => void,
): Promise<{ readyMs: number[]; rssMb: number[]; config?: unknown } | { error: string }> => {
  const readyMs: number[] = [];
  const rssMb: number[] = [];
  let config: unknown;
  for (let run = 0; run < runs; run++) {
    try {
      const serve = await startServeProcess([`--manifests=${manifests}`], 120_000);
      readyMs.push(serve.readyMs);
      rssMb.push(serve.rssMb());
      config = serve.readiness.config;
      await serve.stop();
      log(`cold-files run ${run + 1}/${runs}: ${serve.readyMs.toFixed(0)} ms`);
    } catch (error) {
      return { error: messageOf(error) };
    }
  }
  return { readyMs, rssMb, config };
};

export const coldFilesRow: Row = {
  id: 'cold-files',
  measure: 'process start → /readyz 200 from a manifests directory',
  target: '≤ 5 s',
  run: async (context): Promise<RowResult> => {
    const measured = await measureColdFiles(context.manifests, context.quick ? 2 : 5, context.log);
    if ('error' in measured) return unavailable('cold-files', context.size, `n/a (${measured.error})`);
    const { median, p99, runs } = summarize(measured.readyMs);
    return {
      id: 'cold-files',
      size: context.size,
      unit: 'ms',
      median,
      p99,
      runs,
      extra: { config: String(measured.config) },
      meetsTarget: context.size >= 10_000 ? p99 <= 5000 : undefined,
    };
  },
};
