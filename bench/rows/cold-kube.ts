// cold-kube: process start → /readyz 200 with the scale set in an envtest API server.
import { unavailable, type Row, type RowResult } from './row.js';

export const coldKubeRow: Row = {
  id: 'cold-kube',
  measure: 'process start → /readyz 200 from the envtest API server',
  target: '≤ 15 s',
  run: async (context): Promise<RowResult> =>
    unavailable('cold-kube', context.size, 'n/a (not measured yet)'),
};
