// cold-kube: process start → /readyz 200 with the scale set in an envtest API server.
import { startServeProcess } from '../serve-process.js';
import { summarize } from '../stats.js';
import { startLoadedCluster } from './envtest.js';
import { messageOf, unavailable, type Row, type RowResult } from './row.js';

export const coldKubeRow: Row = {
  id: 'cold-kube',
  measure: 'process start → /readyz 200 from the envtest API server',
  target: '≤ 15 s',
  run: async (context): Promise<RowResult> => {
    let cluster;
    try {
      cluster = await startLoadedCluster(context.set, context.log);
    } catch (error) {
      return unavailable('cold-kube', context.size, `n/a (envtest: ${messageOf(error)})`);
    }
    try {
      const samples: number[] = [];
      let rss = 0;
      for (let run = 0; run < (context.quick ? 1 : 3); run++) {
        const serve = await startServeProcess(
          [`--kubeconfig=${cluster.kubeconfig}`, '--disable-leader-election'],
          300_000,
        );
        samples.push(serve.readyMs);
        rss = serve.rssMb();
        await serve.stop();
        context.log(`cold-kube run ${run + 1}: ${serve.readyMs.toFixed(0)} ms`);
      }
      const { median, p99, runs } = summarize(samples);
      return {
        id: 'cold-kube',
        size: context.size,
        unit: 'ms',
        median,
        p99,
        runs,
        extra: { rssMb: rss },
        meetsTarget: context.size >= 10_000 ? p99 <= 15_000 : undefined,
      };
    } catch (error) {
      return unavailable('cold-kube', context.size, `n/a (${messageOf(error)})`);
    } finally {
      await cluster.stop();
    }
  },
};
