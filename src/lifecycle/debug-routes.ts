// The /debug endpoints: status of every object, the DAG, the xDS snapshot, and connected xDS clients.
import type { SnapshotCache } from '../xds/cache/snapshot-cache.js';
import type { Handler } from './http-server.js';
import type { Pipeline } from './pipeline.js';
import type { Readiness } from './readiness.js';

export interface DebugSources {
  pipeline: Pipeline;
  cache: SnapshotCache;
  readiness: Readiness;
  xdsClients: () => unknown[];
}

/** The debug server's routes. */
export const debugRoutes = ({
  pipeline,
  cache,
  readiness,
  xdsClients,
}: DebugSources): Record<string, Handler> => ({
  '/debug/status': async () => ({
    status: 200,
    body: (pipeline.lastBuild()?.statuses ?? []).map(({ kind, namespace, name, ...status }) => ({
      kind,
      namespace,
      name,
      status,
    })),
  }),
  '/debug/dag': async () => ({ status: 200, body: pipeline.lastBuild()?.dag ?? null }),
  '/debug/xds': async () => ({ status: 200, body: cache.toJson() }),
  '/debug/xds/clients': async () => ({ status: 200, body: xdsClients() }),
  '/debug/readiness': async () => ({ status: 200, body: readiness.report() }),
});
