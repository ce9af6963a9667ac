// The xDS gRPC server: ADS and the per-type services, state of the world and delta, fed by the snapshot cache.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../util/logger.js';
import type { SnapshotCache } from '../cache/snapshot-cache.js';
import { connectedClientsGauge } from './metrics.js';
import { serviceDefinitions } from './service-definitions.js';
import { installFramedWrites } from './framed-responses.js';
import { createResponseCache } from './shared-responses.js';
import type { PlanHooks } from './planner.js';
import { serveStream, type ClientInfo, type DeltaCall, type SotwCall, type XdsStream } from './stream.js';

export type { ClientInfo, ClientTypeInfo } from './stream.js';

export interface XdsServerOptions {
  cache: SnapshotCache;
  address: string;
  /** 0 picks a free port. */
  port: number;
  logger: Logger;
  /** Defaults to insecure (plaintext). */
  credentials?: grpc.ServerCredentials;
  /** How long close() waits for clients to go before cutting connections (default 5 s). */
  shutdownGraceMs?: number;
  /** Test instrumentation of every stream's planner (counts, cross-checks). */
  planHooks?: PlanHooks;
}

export interface XdsServer {
  /** The port actually bound. */
  readonly port: number;
  /** Ends every stream (clients reconnect elsewhere), then stops the server. */
  close(): Promise<void>;
  /** Every connected stream, for /debug/xds/clients. */
  clients(): ClientInfo[];
}

// Envoy and proxyless clients keep one long stream each; never let the HTTP/2 stream limit refuse one.
const serverChannelOptions: grpc.ChannelOptions = {
  'grpc.max_concurrent_streams': 2 ** 31 - 1,
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.max_receive_message_length': 16 * 1024 * 1024,
  'grpc.max_send_message_length': -1,
};

/** Starts the xDS server on address:port and resolves once it listens. */
export const startXdsServer = async (options: XdsServerOptions): Promise<XdsServer> => {
  const { cache } = options;
  const logger = options.logger.child({ component: 'xds' });
  if (!installFramedWrites()) {
    logger.debug('grpc-js has no server framing step to hook: shared responses are copied per stream');
  }
  const server = new grpc.Server(serverChannelOptions);
  const streams = new Map<number, XdsStream>();
  const responses = createResponseCache();
  let nextStreamId = 0;
  let closing = false;

  const onClosed = (id: number): void => {
    if (streams.delete(id)) connectedClientsGauge.dec();
  };

  for (const { definition, methods } of serviceDefinitions().values()) {
    const handlers: grpc.UntypedServiceImplementation = {};
    for (const method of methods) {
      handlers[method.name] = (call: SotwCall | DeltaCall) => {
        if (closing) {
          call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'xDS server is shutting down' });
          return;
        }
        nextStreamId += 1;
        const id = nextStreamId;
        streams.set(
          id,
          serveStream({ id, method, call, cache, responses, logger, onClosed, planHooks: options.planHooks }),
        );
        connectedClientsGauge.inc();
      };
    }
    server.addService(definition, handlers);
  }

  const unsubscribe = cache.onChange((change) => {
    // Responses of the previous snapshot will not be asked for again.
    responses.clear();
    for (const stream of streams.values()) stream.onSnapshotChange(change);
  });

  const credentials = options.credentials ?? grpc.ServerCredentials.createInsecure();
  const host = options.address.includes(':') ? `[${options.address}]` : options.address;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${options.port}`, credentials, (error, boundPort) =>
      error ? reject(error) : resolve(boundPort),
    );
  }).catch((error: unknown) => {
    unsubscribe();
    throw error;
  });
  logger.info({ address: options.address, port }, 'xDS server listening');

  return {
    port,
    clients: () => [...streams.values()].map((stream) => stream.info()),
    close: async () => {
      if (closing) return;
      closing = true;
      unsubscribe();
      for (const stream of [...streams.values()]) stream.end();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, options.shutdownGraceMs ?? 5000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      for (const id of [...streams.keys()]) onClosed(id);
      logger.info('xDS server stopped');
    },
  };
};
