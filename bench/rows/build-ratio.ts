// build-ratio: CPU time of the incremental build after one edit ÷ CPU time of a full build.
import { unavailable, type Row, type RowResult } from './row.js';

export const buildRatioRow: Row = {
  id: 'build-ratio',
  measure: 'CPU time of the incremental build after one edit ÷ a full build',
  target: '≤ 1/100',
  run: async (context): Promise<RowResult> =>
    unavailable('build-ratio', context.size, 'n/a (no incremental build yet)'),
};
