// Summaries of repeated measurements.

/** The value at quantile q (0–1) of the samples, by the nearest-rank method. */
export const quantile = (samples: readonly number[], q: number): number => {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1];
};

/** Median and p99 of the samples. */
export const summarize = (samples: readonly number[]): { median: number; p99: number; runs: number } => ({
  median: quantile(samples, 0.5),
  p99: quantile(samples, 0.99),
  runs: samples.length,
});

/** Milliseconds between two `process.hrtime.bigint()` readings. */
export const elapsedMs = (start: bigint, end: bigint = process.hrtime.bigint()): number =>
  Number(end - start) / 1e6;
