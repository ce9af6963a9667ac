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

/** The source problems of /readyz grouped by file, shaped like object statuses. */
const problemFiles = (readiness: Readiness) => {
  const byFile = new Map<string, { document?: number; line?: number; message: string }[]>();
  for (const { source: _source, file, ...problem } of readiness.report().problems ?? []) {
    const list = byFile.get(file);
    if (list) list.push(problem);
    else byFile.set(file, [problem]);
  }
  return [...byFile].map(([file, problems]) => ({
    kind: 'ManifestFile',
    namespace: '',
    name: file,
    status: { currentStatus: 'invalid', problems },
  }));
};

/** The debug server's routes. */
export const debugRoutes = ({
  pipeline,
  cache,
  readiness,
  xdsClients,
}: DebugSources): Record<string, Handler> => ({
  '/debug/status': async () => ({
    status: 200,
    body: [
      ...(pipeline.lastBuild()?.statuses ?? []).map(({ kind, namespace, name, ...status }) => ({
        kind,
        namespace,
        name,
        status,
      })),
      // Input the sources refused (a manifest file that does not parse): one entry per file.
      ...problemFiles(readiness),
    ],
  }),
  '/debug/dag': async () => ({ status: 200, body: pipeline.lastBuild()?.dag ?? null }),
  '/debug/xds': async () => ({ status: 200, body: cache.toJson() }),
  '/debug/xds/clients': async () => ({ status: 200, body: xdsClients() }),
  '/debug/readiness': async () => ({ status: 200, body: readiness.report() }),
});
