// The shared setup of the edit and endpoints rows: the control plane over the scale set and a fleet
// of ADS clients (half state of the world, half delta) subscribed to everything Envoy would ask for.
import { allObjects } from '../scale-set.js';
import {
  connectFleet,
  startControlPlane,
  type ClientFleet,
  type InProcessControlPlane,
} from '../in-process.js';
import type { RowContext } from './row.js';

export interface XdsSession {
  controlPlane: InProcessControlPlane;
  fleet: ClientFleet;
  /** Why the session cannot measure anything, if so. */
  problem?: string;
}

/** Starts the control plane and `clientCount` clients, and waits until every client holds every route. */
export const startXdsSession = async (context: RowContext, clientCount: number): Promise<XdsSession> => {
  const controlPlane = await startControlPlane(allObjects(context.set), {
    holdoffDelayMs: 0,
    holdoffMaxDelayMs: 0,
  });
  const routeNames = [...controlPlane.cache.resources('route').keys()].sort();
  const endpointNames = [...controlPlane.cache.resources('endpoint').keys()].sort();
  // Each client has its own connection, as each Envoy would.
  const fleet = connectFleet(
    controlPlane.xdsPort,
    clientCount,
    clientCount,
    (index) => (index % 2 === 0 ? 'sotw' : 'delta'),
    { cluster: [], listener: [], route: routeNames, endpoint: endpointNames },
  );
  const session: XdsSession = { controlPlane, fleet };
  if (routeNames.length === 0 || endpointNames.length === 0) {
    session.problem = `the build produced ${routeNames.length} route configurations and ${endpointNames.length} ClusterLoadAssignments from ${context.set.httpProxies.length} HTTPProxies`;
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
  session.fleet.close();
  await session.controlPlane.stop();
};
