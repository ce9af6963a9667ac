// status: the leader writes 3,000 changed HTTPProxy statuses to the envtest API server. The statuses
// are what a build computes for 3,000 HTTPProxies; the writer is the one `contour serve` uses.
import { buildDag, defaultBuildOptions } from '../../src/dag/build.js';
import { createStatusWriter } from '../../src/status/writer.js';
import { createStore } from '../../src/store/store.js';
import { silentLogger } from '../../src/util/logger.js';
import { generateScaleSet } from '../scale-set.js';
import { elapsedMs } from '../stats.js';
import { listHttpProxies, startLoadedCluster } from './envtest.js';
import { messageOf, unavailable, type Row, type RowResult } from './row.js';

/** 2,500 sites make 3,000 HTTPProxies: 2,500 roots and 500 included children. */
const sitesFor3000Proxies = 2500;

export const statusRow: Row = {
  id: 'status',
  measure: 'leader writes 3,000 changed HTTPProxy statuses to the envtest API server',
  target: '≤ 20 s',
  run: async (context): Promise<RowResult> => {
    // The row does not depend on N; it is measured once, at the first size.
    if (context.size !== context.firstSize) {
      return unavailable('status', context.size, `n/a (independent of N: see N = ${context.firstSize})`);
    }
    const set = generateScaleSet({
      size: context.quick ? 250 : sitesFor3000Proxies,
      seed: context.set.options.seed,
    });
    let cluster;
    try {
      cluster = await startLoadedCluster(set, context.log);
    } catch (error) {
      return unavailable('status', context.size, `n/a (envtest: ${messageOf(error)})`);
    }
    try {
      const stored = await listHttpProxies(cluster.client);
      const store = createStore();
      for (const object of [...set.services, ...set.secrets, ...stored])
        store.apply({ type: 'upsert', object });
      const { statuses } = buildDag(store, defaultBuildOptions);
      const proxyStatuses = statuses.filter((status) => status.kind === 'HTTPProxy');
      const current = new Map(
        stored.map((object) => [`${object.metadata.namespace}/${object.metadata.name}`, object]),
      );
      const writer = createStatusWriter({
        client: cluster.client,
        logger: silentLogger(),
        currentObject: (_kind, namespace, name) => current.get(`${namespace}/${name}`),
      });
      const start = process.hrtime.bigint();
      writer.update(proxyStatuses);
      writer.setLeader(true);
      await writer.idle();
      const ms = elapsedMs(start);
      await writer.stop();
      const written = (await listHttpProxies(cluster.client)).filter(
        (object) => (object.status as { currentStatus?: string } | undefined)?.currentStatus !== undefined,
      ).length;
      return {
        id: 'status',
        size: context.size,
        unit: 'ms',
        value: ms,
        extra: { statuses: proxyStatuses.length, written },
        meetsTarget: context.quick ? undefined : ms <= 20_000 && written === proxyStatuses.length,
      };
    } catch (error) {
      return unavailable('status', context.size, `n/a (${messageOf(error)})`);
    } finally {
      await cluster.stop();
    }
  },
};
