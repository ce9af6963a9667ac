// build-ratio: CPU time of the incremental build after one edit ÷ CPU time of a full build.
// Measured in-process with process.cpuUsage (user + system); the full assembly (translate, validate,
// encode: what serve publishes) is reported beside it.
import { defaultBuildOptions, buildDag } from '../../src/dag/build.js';
import { createIncrementalBuilder } from '../../src/dag/incremental.js';
import { assembleDag } from '../../src/assemble/assembler.js';
import { defaultTranslateOptions } from '../../src/envoy/options.js';
import { createStore } from '../../src/store/store.js';
import { allObjects, editedProxy, routeHolderOf } from '../scale-set.js';
import { summarize } from '../stats.js';
import { messageOf, unavailable, type Row, type RowResult } from './row.js';

/** CPU milliseconds (user + system) spent in `work`. */
export const cpuMs = (work: () => void): number => {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
};

export const buildRatioRow: Row = {
  id: 'build-ratio',
  measure: 'CPU time of the incremental build after one edit ÷ a full build',
  target: '≤ 1/100',
  run: async (context): Promise<RowResult> => {
    try {
      const store = createStore();
      for (const object of allObjects(context.set)) store.apply({ type: 'upsert', object });
      const fullRuns = context.quick ? 2 : 5;
      const full: number[] = [];
      const fullTranslate: number[] = [];
      for (let run = 0; run < fullRuns; run++) {
        let result = buildDag(store, defaultBuildOptions);
        full.push(cpuMs(() => (result = buildDag(store, defaultBuildOptions))));
        fullTranslate.push(cpuMs(() => assembleDag(result.dag, store, defaultTranslateOptions)));
      }
      const builder = createIncrementalBuilder(store, defaultBuildOptions);
      builder.build();
      const edits = context.quick ? 10 : 100;
      const incremental: number[] = [];
      const plain = context.set.sites.filter((site) => !site.tls);
      for (let edit = 0; edit < edits; edit++) {
        const site = plain[Math.floor((edit * plain.length) / edits)];
        const proxy = editedProxy(routeHolderOf(context.set, site), edit + 1);
        incremental.push(
          cpuMs(() => {
            store.apply({ type: 'upsert', object: proxy });
            builder.noteChange({
              kind: 'HTTPProxy',
              namespace: proxy.metadata.namespace ?? '',
              name: proxy.metadata.name,
            });
            builder.build();
          }),
        );
      }
      const fullMedian = summarize(full).median;
      const incrementalSummary = summarize(incremental);
      const ratio = incrementalSummary.median / fullMedian;
      return {
        id: 'build-ratio',
        size: context.size,
        unit: 'ratio',
        value: ratio,
        extra: {
          fullBuildMs: fullMedian,
          incrementalMsP50: incrementalSummary.median,
          incrementalMsP99: incrementalSummary.p99,
          fullTranslateMs: summarize(fullTranslate).median,
          oneIn: Math.round(1 / ratio),
        },
        meetsTarget: context.size >= 10_000 ? ratio <= 0.01 : undefined,
      };
    } catch (error) {
      return unavailable('build-ratio', context.size, `n/a (${messageOf(error)})`);
    }
  },
};
