// The xDS gRPC server: ADS and the per-type services, state of the world and delta, fed by the snapshot cache.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../util/logger.js';
import type { SnapshotCache } from '../cache/snapshot-cache.js';
import { connectedClientsGauge } from './metrics.js';
import { serviceDefinitions } from './service-definitions.js';
import { installFramedWrites } from './framed-responses.js';
import { createResponseCache } from './shared-responses.js';
import { defaultXdsLimits, limitRefusal, type XdsLimits } from './limits.js';
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
  /** Bounds on streams and requests (default: defaultXdsLimits). */
  limits?: XdsLimits;
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

// Envoy and proxyless clients keep one long stream each; the HTTP/2 stream limit would refuse streams
// past it without a word (REFUSED_STREAM), so streams are counted per connection instead (see limits.ts).
const serverChannelOptions = (limits: XdsLimits): grpc.ChannelOptions => ({
  'grpc.max_concurrent_streams': 2 ** 31 - 1,
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.max_receive_message_length': limits.maxReceiveMessageBytes,
  'grpc.max_send_message_length': -1,
});

/** Starts the xDS server on address:port and resolves once it listens. */
export const startXdsServer = async (options: XdsServerOptions): Promise<XdsServer> => {
  const { cache } = options;
  const logger = options.logger.child({ component: 'xds' });
  if (!installFramedWrites()) {
    logger.debug('grpc-js has no server framing step to hook: shared responses are copied per stream');
  }
  const limits = options.limits ?? defaultXdsLimits;
  const server = new grpc.Server(serverChannelOptions(limits));
  const streams = new Map<number, XdsStream>();
  // Open streams per connection, keyed by the client's address and port (one TCP connection each).
  const streamsPerPeer = new Map<string, number>();
  const peerOfStream = new Map<number, string>();
  // Peers (and "*" for the server total) whose refusal was logged: once until they are below the limit again,
  // so a client retrying in a loop does not flood the log.
  const refusalLogged = new Set<string>();
  const responses = createResponseCache();
  let nextStreamId = 0;
  let closing = false;

  const onClosed = (id: number): void => {
    if (streams.delete(id)) connectedClientsGauge.dec();
    const peer = peerOfStream.get(id);
    if (peer === undefined) return;
    peerOfStream.delete(id);
    refusalLogged.delete(peer);
    refusalLogged.delete('*');
    const left = (streamsPerPeer.get(peer) ?? 1) - 1;
    if (left > 0) streamsPerPeer.set(peer, left);
    else streamsPerPeer.delete(peer);
  };

  /** Why a new stream from `peer` is refused, if it is, and which key its log entry is kept under. */
  const streamRefusal = (peer: string) => {
    if (streams.size >= limits.maxStreams)
      return {
        logKey: '*',
        ...limitRefusal(`${streams.size} open xDS streams`, limits.maxStreams, 'xds-max-streams'),
      };
    const onPeer = streamsPerPeer.get(peer) ?? 0;
    if (onPeer >= limits.maxStreamsPerConnection)
      return {
        logKey: peer,
        ...limitRefusal(
          `${onPeer} open streams on the connection from ${peer}`,
          limits.maxStreamsPerConnection,
          'xds-max-streams-per-connection',
        ),
      };
    return undefined;
  };

  for (const { definition, methods } of serviceDefinitions().values()) {
    const handlers: grpc.UntypedServiceImplementation = {};
    for (const method of methods) {
      handlers[method.name] = (call: SotwCall | DeltaCall) => {
        if (closing) {
          call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'xDS server is shutting down' });
          return;
        }
        const peer = call.getPeer();
        const refusal = streamRefusal(peer);
        if (refusal) {
          const { logKey, ...status } = refusal;
          if (!refusalLogged.has(logKey)) {
            refusalLogged.add(logKey);
            logger.warn(
              { peer, code: status.code, error: status.details },
              'xDS streams refused (logged once)',
            );
          }
          call.emit('error', status);
          return;
        }
        nextStreamId += 1;
        const id = nextStreamId;
        streamsPerPeer.set(peer, (streamsPerPeer.get(peer) ?? 0) + 1);
        peerOfStream.set(id, peer);
        streams.set(
          id,
          serveStream({
            id,
            method,
            call,
            cache,
            responses,
            logger,
            onClosed,
            limits,
            planHooks: options.planHooks,
          }),
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
