// edit: one HTTPProxy changed → every connected ADS client (half SotW, half delta) holds the new version.
import { editedProxy, routeHolderOf } from '../scale-set.js';
import { nextChange, targetsOf } from '../in-process.js';
import { messageOf, type Row, type RowContext } from './row.js';
import { sessionLatencyRow, type XdsSession } from './xds-session.js';

/** Measures edit latency over `edits` successive HTTPProxy edits on a running session. */
export const measureEdits = async (
  context: RowContext,
  session: XdsSession,
  edits: number,
): Promise<number[] | string> => {
  const { controlPlane, fleet } = session;
  const plainSites = context.set.sites.filter((site) => !site.tls);
  const samples: number[] = [];
  for (let edit = 0; edit < edits; edit++) {
    // Spread edits over the set so no single virtual host is hot.
    const site = plainSites[Math.floor((edit * plainSites.length) / edits)];
    const proxy = editedProxy(routeHolderOf(context.set, site), edit + 1);
    const changed = nextChange(controlPlane.cache, 120_000);
    const since = process.hrtime.bigint();
    controlPlane.apply([{ type: 'upsert', object: proxy }]);
    const change = await changed;
    if (!change)
      return `editing ${proxy.metadata.namespace}/${proxy.metadata.name} changed no Envoy resource`;
    const targets = targetsOf(controlPlane.cache, change, ['cluster', 'listener', 'route']);
    try {
      samples.push(await fleet.allHold(targets, since, 120_000));
    } catch (error) {
      return messageOf(error);
    }
  }
  return samples;
};

export const editRow = (session: (context: RowContext) => Promise<XdsSession>): Row => ({
  id: 'edit',
  measure: 'one HTTPProxy changed → all of 100 ADS clients (half SotW, half delta) hold it, holdoff 0',
  target: 'p50 ≤ 15 ms, p99 ≤ 40 ms',
  run: (context) =>
    sessionLatencyRow(
      'edit',
      context,
      session,
      (current) => measureEdits(context, current, context.quick ? 5 : 50),
      (median, p99) => median <= 15 && p99 <= 40,
    ),
});
