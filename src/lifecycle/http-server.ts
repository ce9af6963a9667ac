// Small JSON HTTP servers: health/readiness, metrics (optionally over TLS), and the debug endpoints.
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../util/logger.js';
import { allowedMethods, hostRefusal, type HostPolicy } from './request-guard.js';
import { redactingReplacer } from '../util/redaction.js';
import { loadTlsMaterial, watchTlsFiles, type ServerTlsFilePaths } from '../certs/tls-files.js';

/** A route handler: returns status and body (an object is sent as JSON, a string as text, a stream as it comes). */
export type Handler = (
  request: IncomingMessage,
) => Promise<{ status: number; body: unknown; contentType?: string }>;

export interface HttpEndpoint {
  port: number;
  close(): Promise<void>;
}

/** Bounds on one listener's connections, so a flood of idle or slow clients cannot exhaust descriptors. */
export interface HttpListenerLimits {
  /** Open connections at a time; connections past it are closed at once. */
  maxConnections: number;
  /** Time for a connection to send a request's complete headers (idle new connections included). */
  headersTimeoutMs: number;
  /** Time for a whole request to arrive; also the longest a socket may stay silent. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection is kept between requests. */
  keepAliveTimeoutMs: number;
}

/** The defaults of the `--http-*` limit flags. */
export const defaultHttpListenerLimits: HttpListenerLimits = {
  maxConnections: 256,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
};

export interface HttpServerOptions {
  /** For logs: "health" or "debug". */
  name: string;
  address: string;
  /** 0 picks a free port. */
  port: number;
  routes: Record<string, Handler>;
  logger: Logger;
  /** Which Host headers are answered (403 otherwise). */
  hosts: HostPolicy;
  limits?: HttpListenerLimits;
  /**
   * Serve HTTPS with this certificate and key (TLS 1.3, as Contour's metrics server); with a CA file, a
   * client certificate signed by it is required. The files are re-read when they change.
   */
  tls?: ServerTlsFilePaths;
}

interface Listening {
  server: Server;
  /** Releases what the server holds besides its sockets (the TLS file watcher). */
  release(): void;
}

// A plain HTTP server, or an HTTPS one whose certificates follow their files.
const createListener = (
  options: HttpServerOptions,
  serverOptions: ServerOptions,
  handler: RequestListener,
): Listening => {
  if (!options.tls) return { server: createServer(serverOptions, handler), release: () => undefined };
  const paths = options.tls;
  const loaded = loadTlsMaterial(paths);
  if (!loaded.ok) throw new Error(`${options.name} server: ${loaded.error}`);
  const { ca, cert, key } = loaded.material;
  const verifyClients = ca !== undefined;
  const server = createHttpsServer(
    {
      ...serverOptions,
      ca,
      cert,
      key,
      minVersion: 'TLSv1.3',
      // A client that connects and never completes the handshake is dropped as one that never sends headers.
      handshakeTimeout: serverOptions.headersTimeout,
      requestCert: verifyClients,
      rejectUnauthorized: verifyClients,
    },
    handler,
  );
  const files = watchTlsFiles(paths, loaded.material);
  files.onReload((outcome) => {
    if (outcome.ok && outcome.changed) {
      const { material } = outcome;
      server.setSecureContext({ ca: material.ca, cert: material.cert, key: material.key });
      options.logger.info({ server: options.name, certFile: paths.certFile }, 'reloaded TLS certificates');
    } else if (!outcome.ok)
      options.logger.warn(
        { server: options.name, error: outcome.error },
        'TLS files unusable; keeping the previous certificates',
      );
  });
  files.start();
  return { server, release: () => files.stop() };
};

/** Serves the given routes (exact paths, GET and HEAD) on address:port; resolves once listening. */
export const startHttpServer = async (options: HttpServerOptions): Promise<HttpEndpoint> => {
  const { name, address, routes, logger } = options;
  const limits = options.limits ?? defaultHttpListenerLimits;
  const respond = (
    response: ServerResponse,
    status: number,
    body: unknown,
    contentType?: string,
    headers: Record<string, string> = {},
  ): void => {
    if (body instanceof Readable) {
      // Large bodies (a heap snapshot) are streamed; a client that goes away ends the stream too.
      response.writeHead(status, { ...headers, 'content-type': contentType ?? 'application/octet-stream' });
      pipeline(body, response).catch((error: Error) =>
        logger.warn({ server: name, error: error.message }, 'HTTP response stream ended early'),
      );
      return;
    }
    // Private keys never leave through these pages, whichever object carries them (SDS is the only way).
    const text = typeof body === 'string' ? body : JSON.stringify(body, redactingReplacer, 2) + '\n';
    response.writeHead(status, {
      ...headers,
      'content-type': contentType ?? (typeof body === 'string' ? 'text/plain' : 'application/json'),
    });
    response.end(text);
  };
  const listening = createListener(
    options,
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node checks the two timeouts above only this often (30 s by default).
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, limits.headersTimeoutMs / 4)),
    },
    (request, response) => {
      const path = (request.url ?? '/').split('?')[0];
      if (!allowedMethods.includes(request.method ?? '')) {
        respond(
          response,
          405,
          { error: `method ${request.method} not allowed: only GET and HEAD` },
          undefined,
          {
            allow: allowedMethods.join(', '),
          },
        );
        return;
      }
      const refusal = hostRefusal(options.hosts, request.headers.host, address);
      if (refusal) {
        logger.debug({ server: name, path, host: request.headers.host }, 'HTTP request refused by Host');
        respond(response, 403, { error: refusal });
        return;
      }
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
    },
  );
  const { server } = listening;
  const release = (): void => listening.release();
  server.maxConnections = limits.maxConnections;
  // A connection silent for this long is closed whatever it is doing (the timeouts above cover the rest).
  server.setTimeout(limits.requestTimeoutMs, (socket) => socket.destroy());
  let refusedLogged = false;
  server.on('drop', () => {
    // Logged once per listener: a flood must not also flood the log.
    if (refusedLogged) return;
    refusedLogged = true;
    logger.warn(
      { server: name, maxConnections: limits.maxConnections },
      'HTTP connections refused: the connection limit is reached (--http-max-connections)',
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, address, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    release();
    throw error;
  });
  const actual = (server.address() as AddressInfo).port;
  logger.info(
    { server: name, address, port: actual, tls: options.tls !== undefined },
    'HTTP server listening',
  );
  return {
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        release();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
