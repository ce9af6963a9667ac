// endpoints: one EndpointSlice changed → subscribed clients hold the new ClusterLoadAssignment.
import { endpointSliceOf } from '../scale-set.js';
import { nextChange, targetsOf } from '../in-process.js';
import { summarize } from '../stats.js';
import { messageOf, unavailable, type Row, type RowContext, type RowResult } from './row.js';
import { endpointEditCount, type XdsSession } from './xds-session.js';

/** Measures EndpointSlice → ClusterLoadAssignment latency over `edits` successive slice changes. */
export const measureEndpointEdits = async (
  context: RowContext,
  session: XdsSession,
  edits: number,
): Promise<number[] | string> => {
  const { controlPlane, fleet } = session;
  const samples: number[] = [];
  for (let edit = 0; edit < edits; edit++) {
    const site = context.set.sites[Math.floor((edit * context.set.sites.length) / edits)];
    const slice = endpointSliceOf(site, edit + 1);
    const changed = nextChange(controlPlane.cache, 120_000);
    const since = process.hrtime.bigint();
    controlPlane.apply([{ type: 'upsert', object: slice }]);
    const change = await changed;
    if (!change)
      return `changing EndpointSlice ${slice.metadata.namespace}/${slice.metadata.name} changed no resource`;
    const targets = targetsOf(controlPlane.cache, change, ['endpoint']);
    if (targets.length === 0) return 'an EndpointSlice change published no ClusterLoadAssignment';
    try {
      samples.push(await fleet.allHold(targets, since, 120_000));
    } catch (error) {
      return messageOf(error);
    }
  }
  return samples;
};

export const endpointsRow = (session: (context: RowContext) => Promise<XdsSession>): Row => ({
  id: 'endpoints',
  measure: 'one EndpointSlice changed → subscribed clients hold the new ClusterLoadAssignment',
  target: 'p99 ≤ 10 ms',
  run: async (context): Promise<RowResult> => {
    let current: XdsSession;
    try {
      current = await session(context);
    } catch (error) {
      return unavailable('endpoints', context.size, `n/a (${messageOf(error)})`);
    }
    if (current.problem) return unavailable('endpoints', context.size, `n/a (${current.problem})`);
    const samples = await measureEndpointEdits(context, current, endpointEditCount(context));
    if (typeof samples === 'string') return unavailable('endpoints', context.size, `n/a (${samples})`);
    const { median, p99, runs } = summarize(samples);
    return {
      id: 'endpoints',
      size: context.size,
      unit: 'ms',
      median,
      p99,
      runs,
      extra: { clients: current.fleet.clients.length },
      meetsTarget: context.size >= 10_000 ? p99 <= 10 : undefined,
    };
  },
});
