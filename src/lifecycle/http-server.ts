// Small JSON HTTP servers: health/readiness/metrics, and the debug endpoints.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../util/logger.js';

/** A route handler: returns status and body (an object is sent as JSON, a string as text, a stream as it comes). */
export type Handler = (
  request: IncomingMessage,
) => Promise<{ status: number; body: unknown; contentType?: string }>;

export interface HttpEndpoint {
  port: number;
  close(): Promise<void>;
}

/** Serves the given routes (exact paths, GET) on address:port; resolves once listening. */
export const startHttpServer = async (
  name: string,
  address: string,
  port: number,
  routes: Record<string, Handler>,
  logger: Logger,
): Promise<HttpEndpoint> => {
  const respond = (response: ServerResponse, status: number, body: unknown, contentType?: string): void => {
    if (body instanceof Readable) {
      // Large bodies (a heap snapshot) are streamed; a client that goes away ends the stream too.
      response.writeHead(status, { 'content-type': contentType ?? 'application/octet-stream' });
      pipeline(body, response).catch((error: Error) =>
        logger.warn({ server: name, error: error.message }, 'HTTP response stream ended early'),
      );
      return;
    }
    const text = typeof body === 'string' ? body : JSON.stringify(body, null, 2) + '\n';
    response.writeHead(status, {
      'content-type': contentType ?? (typeof body === 'string' ? 'text/plain' : 'application/json'),
    });
    response.end(text);
  };
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const handler = routes[path];
    if (!handler) {
      respond(response, 404, { error: `no such endpoint: ${path}`, endpoints: Object.keys(routes).sort() });
      return;
    }
    handler(request).then(
      (result) => respond(response, result.status, result.body, result.contentType),
      (error: Error) => {
        logger.error({ server: name, path, error: error.message }, 'HTTP handler failed');
        respond(response, 500, { error: error.message });
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  logger.info({ server: name, address, port: actual }, 'HTTP server listening');
  return {
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
