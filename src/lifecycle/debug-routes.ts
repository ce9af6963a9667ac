// The /debug endpoints: status of every object, the DAG (Graphviz DOT, or JSON on request), the xDS
// snapshot, connected xDS clients, and CPU and heap profiles (Node's /debug/pprof).
import type { IncomingMessage } from 'node:http';
import type { SnapshotCache } from '../xds/cache/snapshot-cache.js';
import type { Handler } from './http-server.js';
import type { Pipeline } from './pipeline.js';
import type { Readiness } from './readiness.js';
import { dagToDot } from './dag-dot.js';
import { createProfiler, maxProfileSeconds } from './profiler.js';

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

/** Whether a /debug/dag request asks for JSON (`?format=json` or `Accept: application/json`) rather than DOT. */
export const wantsJson = (request: IncomingMessage): boolean => {
  const format = new URL(request.url ?? '/', 'http://debug').searchParams.get('format');
  if (format) return format === 'json';
  return /\bapplication\/json\b/.test(request.headers.accept ?? '');
};

// One per process: profiles cost the whole process, whichever debug server asks.
const profiler = createProfiler();

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
  '/debug/dag': async (request) => {
    const query = new URL(request.url ?? '/', 'http://debug').searchParams.get('format');
    if (query !== null && query !== 'json' && query !== 'dot') {
      return { status: 400, body: { error: `format: must be dot or json, not "${query}"` } };
    }
    if (wantsJson(request)) return { status: 200, body: pipeline.lastBuild()?.dag ?? null };
    const dag = pipeline.lastBuild()?.dag;
    const empty = { httpVirtualHosts: [], httpsVirtualHosts: [], clusters: [], secrets: [] };
    return { status: 200, body: dagToDot(dag ?? empty), contentType: 'text/vnd.graphviz; charset=utf-8' };
  },
  '/debug/xds': async () => ({ status: 200, body: cache.toJson() }),
  '/debug/xds/clients': async () => ({ status: 200, body: xdsClients() }),
  '/debug/readiness': async () => ({ status: 200, body: readiness.report() }),
  '/debug/pprof/profile': async (request) => {
    // The connection is silent while the profile runs: longer than --http-request-timeout allows.
    request.socket.setTimeout((maxProfileSeconds + 30) * 1000);
    const result = await profiler.cpuProfile(
      new URL(request.url ?? '/', 'http://debug').searchParams.get('seconds'),
    );
    if (!result.ok) return { status: result.status, body: { error: result.error } };
    return { status: 200, body: result.profile, contentType: 'application/json' };
  },
  '/debug/pprof/heap': async () => {
    const result = profiler.heapSnapshot();
    if (!result.ok) return { status: result.status, body: { error: result.error } };
    return { status: 200, body: result.snapshot, contentType: 'application/json' };
  },
});
