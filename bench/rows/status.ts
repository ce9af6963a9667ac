// status: the leader writes 3,000 changed HTTPProxy statuses to the envtest API server.
import { unavailable, type Row, type RowResult } from './row.js';

export const statusRow: Row = {
  id: 'status',
  measure: 'leader writes 3,000 changed HTTPProxy statuses to the envtest API server',
  target: '≤ 20 s',
  run: async (context): Promise<RowResult> => unavailable('status', context.size, 'n/a (not measured yet)'),
};
