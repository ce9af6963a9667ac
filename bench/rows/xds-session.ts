// The shared setup of the edit and endpoints rows: the control plane over the scale set in this
// process, and a fleet of ADS clients (half state of the world, half delta) in a child process.
import { allObjects } from '../scale-set.js';
import { startControlPlane, type InProcessControlPlane } from '../in-process.js';
import { startRemoteFleet, type RemoteFleet } from '../remote-fleet.js';
import { messageOf, unavailable, type RowContext, type RowResult } from './row.js';
import { summarize } from '../stats.js';

export interface XdsSession {
  controlPlane: InProcessControlPlane;
  fleet: RemoteFleet;
  /** Why the session cannot measure anything, if so. */
  problem?: string;
}

/** The EDS names of the sites the endpoints row edits (the same spread as measureEndpointEdits). */
export const endpointEditNames = (context: RowContext): string[] => {
  const edits = endpointEditCount(context);
  return Array.from({ length: edits }, (_, edit) => {
    const site = context.set.sites[Math.floor((edit * context.set.sites.length) / edits)];
    return `${site.namespace}/${site.name}/http`;
  });
};

/** How many EndpointSlice edits the endpoints row makes. */
export const endpointEditCount = (context: RowContext): number => (context.quick ? 5 : 50);

/** Starts the control plane and `clientCount` clients, and waits until every client holds every route. */
export const startXdsSession = async (context: RowContext, clientCount: number): Promise<XdsSession> => {
  const controlPlane = await startControlPlane(allObjects(context.set), {
    holdoffDelayMs: 0,
    holdoffMaxDelayMs: 0,
  });
  const routeNames = [...controlPlane.cache.resources('route').keys()].sort();
  // Every client holds every route configuration (what an edit changes) and the listeners. Clients
  // subscribe to the ClusterLoadAssignments the endpoints row changes, not all 10,000, and skip CDS:
  // syncing 100 × 10,000 clusters and assignments in the fleet's one process would measure the fleet.
  // --envoy-subscriptions subscribes to everything, as Envoy does (what the server then does per
  // stream differs: every route's clusters are checked for readiness).
  const allEndpointNames = [...controlPlane.cache.resources('endpoint').keys()].sort();
  const endpointNames = endpointEditNames(context).filter((name) =>
    controlPlane.cache.resources('endpoint').has(name),
  );
  // Each client has its own connection, as each Envoy would.
  let fleet: RemoteFleet;
  try {
    fleet = await startRemoteFleet({
      port: controlPlane.xdsPort,
      clients: clientCount,
      channels: clientCount,
      mixed: true,
      subscriptions: context.envoySubscriptions
        ? { listener: [], cluster: [], route: routeNames, endpoint: allEndpointNames }
        : { listener: [], route: routeNames, endpoint: endpointNames },
    });
  } catch (error) {
    await controlPlane.stop();
    throw error;
  }
  const session: XdsSession = { controlPlane, fleet };
  if (routeNames.length === 0 || endpointNames.length === 0) {
    session.problem = `the build produced ${routeNames.length} route configurations and ${allEndpointNames.length} ClusterLoadAssignments from ${context.set.httpProxies.length} HTTPProxies`;
    return session;
  }
  context.log(
    `xds session: ${clientCount} clients syncing ${routeNames.length} routes, ${endpointNames.length} endpoints`,
  );
  const everything = [
    ...routeNames.map((name) => ({ type: 'route' as const, name })),
    ...endpointNames.map((name) => ({ type: 'endpoint' as const, name })),
  ];
  await fleet.allHold(everything, 0n, 600_000);
  return session;
};

/** Stops the clients and the control plane. */
export const stopXdsSession = async (session: XdsSession): Promise<void> => {
  await session.fleet.close();
  await session.controlPlane.stop();
};

/** Runs one latency row over an ADS client session; a failure to open or measure becomes "n/a (reason)". */
export const sessionLatencyRow = async (
  id: string,
  context: RowContext,
  session: (context: RowContext) => Promise<XdsSession>,
  measure: (current: XdsSession) => Promise<number[] | string>,
  meetsTarget: (median: number, p99: number) => boolean,
): Promise<RowResult> => {
  let current: XdsSession;
  try {
    current = await session(context);
  } catch (error) {
    return unavailable(id, context.size, `n/a (${messageOf(error)})`);
  }
  if (current.problem) return unavailable(id, context.size, `n/a (${current.problem})`);
  // The server runs in this process (the clients in the fleet's): its CPU time, and the bytes the
  // clients received, per change. On 2 cores the fleet competes with the server, so latency alone
  // does not show what the server itself costs.
  const cpuBefore = process.cpuUsage();
  const bytesBefore = current.fleet.receivedBytes();
  const samples = await measure(current);
  if (typeof samples === 'string') return unavailable(id, context.size, `n/a (${samples})`);
  const cpu = process.cpuUsage(cpuBefore);
  const serverCpuMs = (cpu.user + cpu.system) / 1000 / samples.length;
  const bytesSent = (current.fleet.receivedBytes() - bytesBefore) / samples.length;
  const { median, p99, runs } = summarize(samples);
  return {
    id,
    size: context.size,
    unit: 'ms',
    median,
    p99,
    runs,
    extra: {
      clients: current.fleet.size,
      serverCpuMsPerChange: Number(serverCpuMs.toFixed(1)),
      bytesSentPerChange: Math.round(bytesSent),
    },
    meetsTarget: context.size >= 10_000 ? meetsTarget(median, p99) : undefined,
  };
};
