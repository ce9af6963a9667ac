// Rendering bench results: a plain table for the terminal and bench/RESULTS.md.
import type { RowResult } from './rows/row.js';

export interface BenchReport {
  started: string;
  finished: string;
  quick: boolean;
  seed: number;
  sizes: number[];
  machine: { cores: number; cpu: string; memoryGb: number; node: string; loadAverage: number[] };
  rows: { id: string; measure: string; target: string }[];
  results: RowResult[];
}

const number = (value: number): string =>
  Number.isInteger(value)
    ? String(value)
    : Math.abs(value) >= 100
      ? value.toFixed(0)
      : Math.abs(value) >= 10
        ? value.toFixed(1)
        : value.toFixed(2);

/** One result as a short cell: "p50 12 / p99 30 ms", "212 MB", or "n/a (…)". */
export const formatCell = (result: RowResult | undefined): string => {
  if (!result) return '—';
  if (result.unavailable) return result.unavailable;
  const parts: string[] = [];
  if (result.median !== undefined && result.p99 !== undefined) {
    parts.push(
      `p50 ${number(result.median)} / p99 ${number(result.p99)} ${result.unit} (${result.runs} runs)`,
    );
  }
  if (result.value !== undefined) parts.push(`${number(result.value)} ${result.unit}`);
  for (const [key, value] of Object.entries(result.extra ?? {})) {
    parts.push(`${key} ${typeof value === 'number' ? number(value) : value}`);
  }
  if (result.meetsTarget === true) parts.push('✓');
  if (result.meetsTarget === false) parts.push('✗ over target');
  return parts.join('; ');
};

const machineLine = (report: BenchReport): string => {
  const { machine } = report;
  return `${machine.cores} cores (${machine.cpu}), ${machine.memoryGb} GB, Node ${machine.node}, load average at start ${machine.loadAverage.join(' / ')}`;
};

/** The report as an aligned text table. */
export const renderTable = (report: BenchReport): string => {
  const header = ['id', 'target (N=10,000)', ...report.sizes.map((size) => `N=${size}`)];
  const lines = report.rows.map((row) => [
    row.id,
    row.target,
    ...report.sizes.map((size) =>
      formatCell(report.results.find((result) => result.id === row.id && result.size === size)),
    ),
  ]);
  const widths = header.map((_, column) =>
    Math.max(...[header, ...lines].map((line) => line[column].length)),
  );
  const render = (line: string[]): string =>
    line.map((cell, column) => cell.padEnd(widths[column])).join('  ');
  return [
    `machine: ${machineLine(report)}${report.quick ? ' (quick run)' : ''}`,
    render(header),
    ...lines.map(render),
  ].join('\n');
};

const escapeCell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The report as bench/RESULTS.md (the latest run's numbers). */
export const renderMarkdown = (report: BenchReport, notes = ''): string => {
  const header = `| id | measure | target at N = 10,000 | ${report.sizes.map((size) => `N = ${size.toLocaleString('en-US')}`).join(' | ')} |`;
  const rule = `|---|---|---|${report.sizes.map(() => '---|').join('')}`;
  const lines = report.rows.map(
    (row) =>
      `| ${row.id} | ${escapeCell(row.measure)} | ${escapeCell(row.target)} | ${report.sizes
        .map((size) => escapeCell(formatCell(report.results.find((r) => r.id === row.id && r.size === size))))
        .join(' | ')} |`,
  );
  return [
    '# Benchmark results',
    '',
    `Latest \`npm run bench${report.quick ? ' -- --quick' : ''}\` (${report.started} → ${report.finished}, seed ${report.seed}).`,
    '',
    `Machine: ${machineLine(report)}.`,
    '',
    header,
    rule,
    ...lines,
    '',
    notes,
    '<details><summary>Raw results (JSON)</summary>',
    '',
    '```json',
    JSON.stringify(report.results, null, 2),
    '```',
    '',
    '</details>',
    '',
  ].join('\n');
};
