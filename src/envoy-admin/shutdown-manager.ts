// `contour envoy shutdown-manager`: a sidecar beside Envoy. Kubelet runs Envoy's preStop hook as
// an HTTP GET of /shutdown here, which answers only once `contour envoy shutdown` (the shutdown
// manager container's own preStop hook, a separate process) has created the ready file; the two
// meet through that file. /healthz is the sidecar's liveness. As Contour's shutdownmanager.go.
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../util/logger.js';
import { formatDuration } from '../util/duration.js';

export interface ShutdownManagerOptions {
  /** Port on every address (0: any free port). */
  port: number;
  readyFile: string;
  /** How often /shutdown looks for the ready file (Contour: 1 s). */
  checkIntervalMs: number;
  logger: Logger;
}

export interface ShutdownManager {
  port: number;
  /** Stops accepting; requests in flight get up to `graceMs` to be answered, then are cut. */
  close(graceMs?: number): Promise<void>;
}

const answerOk = (response: ServerResponse): void => {
  response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
  response.end('OK');
};

/** Starts the shutdown manager's HTTP server; resolves once it listens. */
export const startShutdownManager = async (options: ShutdownManagerOptions): Promise<ShutdownManager> => {
  const log = options.logger.child({ context: 'shutdown-manager' });
  const every = formatDuration(options.checkIntervalMs);

  // Polls for the ready file until it exists or the client goes away.
  const waitForReadyFile = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const handlerLog = options.logger.child({ context: 'shutdownReadyHandler' });
    const cancelled = new AbortController();
    response.once('close', () => cancelled.abort());
    for (;;) {
      try {
        await stat(options.readyFile);
        handlerLog.info(`detected file ${options.readyFile}; sending HTTP response`);
        answerOk(response);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          handlerLog.info(`file ${options.readyFile} does not exist; checking again in ${every}`);
        } else {
          handlerLog.error(`error checking for file: ${(error as Error).message}`);
        }
      }
      try {
        await sleep(options.checkIntervalMs, undefined, { signal: cancelled.signal });
      } catch {
        handlerLog.info('client request cancelled');
        return;
      }
      if (request.destroyed) return;
    }
  };

  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/healthz') return answerOk(response);
    if (path === '/shutdown') {
      void waitForReadyFile(request, response).catch((error: Error) => {
        log.error({ error: error.message }, '/shutdown failed');
        if (!response.headersSent) response.writeHead(500).end(error.message);
      });
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    response.end(`404 page not found: ${path} (endpoints: /healthz, /shutdown)\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, () => {
      server.off('error', reject);
      resolve();
    });
  });
  log.info('started envoy shutdown manager');
  return {
    port: (server.address() as AddressInfo).port,
    close: (graceMs = 0) =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if (graceMs <= 0) server.closeAllConnections();
        else setTimeout(() => server.closeAllConnections(), graceMs).unref();
      }),
  };
};
