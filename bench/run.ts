// `npm run bench`: the performance table of the scale set, at each size, written to bench/RESULTS.md.
//   npm run bench -- [--sizes 1000,10000] [--quick] [--json] [--rows edit,endpoints] [--seed 1] [--results FILE]
//                    [--envoy-subscriptions] [--clients 100]
import { cpus, loadavg, totalmem } from 'node:os';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeManifests } from './generate.js';
import { generateScaleSet } from './scale-set.js';
import { repoRoot } from './serve-process.js';
import { messageOf, unavailable, type Row, type RowContext, type RowResult } from './rows/row.js';
import { coldFilesRow } from './rows/cold-files.js';
import { coldKubeRow } from './rows/cold-kube.js';
import { editRow } from './rows/edit.js';
import { editFilesRow } from './rows/edit-files.js';
import { soakFilesRow } from './rows/soak-files.js';
import { endpointsRow } from './rows/endpoints.js';
import { buildRatioRow } from './rows/build-ratio.js';
import { rssRow } from './rows/rss.js';
import { fanoutRow } from './rows/fanout.js';
import { statusRow } from './rows/status.js';
import { startXdsSession, stopXdsSession, type XdsSession } from './rows/xds-session.js';
import { renderMarkdown, renderTable, type BenchReport } from './report.js';

export interface BenchOptions {
  sizes: number[];
  quick: boolean;
  /** The edit and endpoints rows' clients subscribe as Envoy does (see RowContext). */
  envoySubscriptions?: boolean;
  /** ADS clients of the edit and endpoints rows (the 100; 10 when quick). */
  clients?: number;
  seed: number;
  /** Row ids to run (all when empty). */
  rows: string[];
  /** Directory under which manifests are written, one subdirectory per size. */
  workDirectory: string;
  log: (message: string) => void;
  /** Called with the report so far after every row (the CLI rewrites RESULTS.md as it goes). */
  onProgress?: (report: BenchReport) => void;
}

const runPriority = [
  'build-ratio',
  'edit',
  'edit-files',
  'soak-files',
  'endpoints',
  'fanout',
  'cold-files',
  'rss',
  'status',
  'cold-kube',
];

/** The machine the numbers were taken on. */
export const machineInfo = (): BenchReport['machine'] => ({
  cores: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  node: process.version,
  loadAverage: loadavg().map((load) => Math.round(load * 100) / 100),
});

/** Runs the selected rows at every size and returns the report. */
export const runBench = async (options: BenchOptions): Promise<BenchReport> => {
  const started = new Date();
  let sessionPromise: Promise<XdsSession> | undefined;
  // edit and endpoints share one control plane and client fleet per size (setting it up dominates).
  const sharedSession = (context: RowContext): Promise<XdsSession> =>
    (sessionPromise ??= startXdsSession(context, options.clients ?? (context.quick ? 10 : 100)));
  const rows: Row[] = [
    coldFilesRow,
    coldKubeRow,
    editRow(sharedSession),
    editFilesRow,
    soakFilesRow,
    endpointsRow(sharedSession),
    buildRatioRow,
    rssRow,
    fanoutRow,
    statusRow,
    // Minutes long: only when asked for (`--rows soak-files`).
  ].filter((row) => (options.rows.length === 0 ? row.id !== soakFilesRow.id : options.rows.includes(row.id)));
  const results: RowResult[] = [];
  for (const size of options.sizes) {
    const set = generateScaleSet({ size, seed: options.seed });
    const manifests = resolve(options.workDirectory, String(size));
    writeManifests(set, manifests);
    const context: RowContext = {
      size,
      firstSize: options.sizes[0],
      set,
      manifests,
      quick: options.quick,
      envoySubscriptions: options.envoySubscriptions ?? false,
      log: options.log,
    };
    // Cheap in-process rows first, so a run cut short still reports them.
    const runOrder = [...rows].sort((a, b) => runPriority.indexOf(a.id) - runPriority.indexOf(b.id));
    for (const row of runOrder) {
      options.log(`N=${size}: ${row.id}`);
      let result: RowResult;
      try {
        result = await row.run(context);
      } catch (error) {
        result = unavailable(row.id, size, `n/a (${messageOf(error)})`);
      }
      options.log(`N=${size}: ${row.id} done: ${JSON.stringify(result)}`);
      results.push(result);
      options.onProgress?.(reportOf(results, false));
    }
    if (sessionPromise) {
      await sessionPromise.then(stopXdsSession, () => undefined);
      sessionPromise = undefined;
    }
  }
  return reportOf(results, true);

  function reportOf(results: RowResult[], complete: boolean): BenchReport {
    return {
      started: started.toISOString(),
      finished: complete ? new Date().toISOString() : `(in progress, ${new Date().toISOString()})`,
      quick: options.quick,
      seed: options.seed,
      sizes: options.sizes,
      machine: machineInfo(),
      rows: rows.map(({ id, measure, target }) => ({ id, measure, target })),
      results,
    };
  }
};

const positiveInteger = (flag: string, text: string): number => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${flag}: give a positive integer`);
  return value;
};

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string' },
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      rows: { type: 'string', default: '' },
      seed: { type: 'string', default: '1' },
      results: { type: 'string' },
      'no-results': { type: 'boolean', default: false },
      'envoy-subscriptions': { type: 'boolean', default: false },
      clients: { type: 'string' },
    },
  });
  const sizes = (values.sizes ?? (values.quick ? '200,1000' : '1000,10000'))
    .split(',')
    .map((size) => Number(size.trim()))
    .filter((size) => Number.isInteger(size) && size > 0);
  if (sizes.length === 0) throw new Error('--sizes: give positive integers, e.g. 1000,10000');
  const resultsFile = values.results ?? resolve(repoRoot, 'bench/RESULTS.md');
  // Hand-written analysis (profiles, reasons for rows over target) travels with every results file.
  const analysisFile = resolve(repoRoot, 'bench/ANALYSIS.md');
  const notes = existsSync(analysisFile) ? readFileSync(analysisFile, 'utf8') : '';
  const report = await runBench({
    sizes,
    quick: values.quick,
    envoySubscriptions: values['envoy-subscriptions'],
    clients: values.clients === undefined ? undefined : positiveInteger('--clients', values.clients),
    seed: Number(values.seed),
    rows: values.rows.split(',').filter((row) => row !== ''),
    workDirectory: resolve(repoRoot, 'bench/out'),
    log: (message) => process.stderr.write(`bench: ${message}\n`),
    onProgress: (partial) => {
      if (!values['no-results']) writeFileSync(resultsFile, renderMarkdown(partial, notes));
    },
  });
  if (values.json) process.stdout.write(JSON.stringify(report) + '\n');
  else process.stdout.write(renderTable(report) + '\n');
  if (!values['no-results']) writeFileSync(resultsFile, renderMarkdown(report, notes));
};

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    // gRPC channels and timers of finished rows must not keep the process alive.
    () => process.exit(0),
    (error: Error) => {
      process.stderr.write(`bench: ${error.stack ?? error.message}\n`);
      process.exit(1);
    },
  );
}
