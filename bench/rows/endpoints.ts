// endpoints: one EndpointSlice changed → subscribed clients hold the new ClusterLoadAssignment.
import { endpointSliceOf } from '../scale-set.js';
import { nextChange, targetsOf } from '../in-process.js';
import { messageOf, type Row, type RowContext } from './row.js';
import { endpointEditCount, sessionLatencyRow, type XdsSession } from './xds-session.js';

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
  run: (context) =>
    sessionLatencyRow(
      'endpoints',
      context,
      session,
      (current) => measureEndpointEdits(context, current, endpointEditCount(context)),
      (_median, p99) => p99 <= 10,
    ),
});
