// A stand-in for Envoy's admin API on a Unix socket (there is no Envoy here): real HTTP over the
// socket, answering /healthcheck/fail and /stats/prometheus with connection counts that fall as it
// is polled, the way a draining Envoy's do.
import { createServer, type Server } from 'node:http';

export interface AdminRequestRecord {
  method: string;
  url: string;
  /** When it was answered (Date.now()). */
  at: number;
}

export interface StandInEnvoyAdmin {
  requests: AdminRequestRecord[];
  /** Set once a POST /healthcheck/fail was answered 200. */
  failingHealthchecks(): boolean;
  close(): Promise<void>;
}

export interface StandInOptions {
  socketPath: string;
  /** ingress_http's open connections at each successive stats poll (the last repeats). */
  ingressConnections: number[];
  /** How many POST /healthcheck/fail are answered 503 before one is answered 200. */
  failHealthcheckFailures?: number;
}

/** Envoy's /stats/prometheus text for the given per-prefix active connection counts. */
export const envoyStatsText = (counts: Record<string, number>): string =>
  '# TYPE envoy_http_downstream_cx_active gauge\n' +
  Object.entries(counts)
    .map(
      ([prefix, value]) =>
        `envoy_http_downstream_cx_active{envoy_http_conn_manager_prefix="${prefix}"} ${value}\n`,
    )
    .join('');

/** Starts the stand-in on a Unix socket. */
export const startStandInEnvoyAdmin = async (options: StandInOptions): Promise<StandInEnvoyAdmin> => {
  const requests: AdminRequestRecord[] = [];
  let failuresLeft = options.failHealthcheckFailures ?? 0;
  let failing = false;
  let polls = 0;
  const server: Server = createServer((request, response) => {
    requests.push({ method: request.method ?? '', url: request.url ?? '', at: Date.now() });
    const path = (request.url ?? '').split('?')[0];
    if (request.method === 'POST' && path === '/healthcheck/fail') {
      if (failuresLeft > 0) {
        failuresLeft--;
        response.writeHead(503).end('not now\n');
        return;
      }
      failing = true;
      response.writeHead(200).end('OK\n');
      return;
    }
    if (request.method === 'GET' && path === '/stats/prometheus') {
      const ingress = options.ingressConnections[Math.min(polls, options.ingressConnections.length - 1)];
      polls++;
      // Envoy's own listeners always have connections (this poll, a kubelet probe): never counted.
      const text = envoyStatsText({ admin: 1, 'stats-health': 2, ingress_http: ingress, ingress_https: 0 });
      response.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8' }).end(text);
      return;
    }
    response.writeHead(404).end('invalid path\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.socketPath, resolve);
  });
  return {
    requests,
    failingHealthchecks: () => failing,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
