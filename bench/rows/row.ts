// What every benchmark row reports, and the context rows run in.
import type { ScaleSet } from '../scale-set.js';
import { summarize } from '../stats.js';

/** The outcome of one row at one size. */
export interface RowResult {
  id: string;
  size: number;
  /** Unit of median/p99/value ("ms", "MB", "%", "ratio"). */
  unit: string;
  median?: number;
  p99?: number;
  /** Number of measurements behind median/p99. */
  runs?: number;
  /** For single-number rows (rss, build-ratio). */
  value?: number;
  /** Extra numbers worth printing (e.g. rss growth, edits applied). */
  extra?: Record<string, number | string>;
  /** Set when the row could not be measured: why (e.g. "n/a (xDS server has no delta support)"). */
  unavailable?: string;
  /** Whether the number meets the target (undefined when there is no number or no target at this size). */
  meetsTarget?: boolean;
}

/** The inputs a row needs. */
export interface RowContext {
  size: number;
  /** The first size of the run (rows independent of N measure there only). */
  firstSize: number;
  set: ScaleSet;
  /** Manifests directory holding `set`. */
  manifests: string;
  /** Fewer repetitions, smaller client counts: for the smoke test and quick looks. */
  quick: boolean;
  /**
   * The edit and endpoints rows' clients subscribe as Envoy does: every cluster (wildcard) and every
   * ClusterLoadAssignment, besides the listeners and route configurations. Off by default: the initial
   * sync is then 100 × 20,000 resources, and the one process playing 100 Envoys becomes the bottleneck.
   */
  envoySubscriptions: boolean;
  log: (message: string) => void;
}

/** One benchmark row: its id, what it measures, its target, and how to measure it. */
export interface Row {
  id: string;
  measure: string;
  target: string;
  run(context: RowContext): Promise<RowResult>;
}

/** A result saying the row could not run, and why. */
export const unavailable = (id: string, size: number, reason: string): RowResult => ({
  id,
  size,
  unit: '',
  unavailable: reason,
});

/** The error message of anything thrown. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** A row's result from latency samples in milliseconds: median, p99 and count, with extra numbers. */
export const latencyResult = (
  id: string,
  size: number,
  samples: readonly number[],
  extra: RowResult['extra'],
  meetsTarget: (median: number, p99: number) => boolean | undefined,
): RowResult => {
  const { median, p99, runs } = summarize(samples);
  return { id, size, unit: 'ms', median, p99, runs, extra, meetsTarget: meetsTarget(median, p99) };
};
