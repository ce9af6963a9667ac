// A small real gRPC xDS client for tests: opens SotW or delta streams on a server's loopback port and
// hands back responses in order.
import * as grpc from '@grpc/grpc-js';
import { create, fromBinary, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import {
  DeltaDiscoveryRequestSchema,
  DeltaDiscoveryResponseSchema,
  DiscoveryRequestSchema,
  DiscoveryResponseSchema,
  type DeltaDiscoveryResponse,
  type DiscoveryResponse,
} from '../../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import {
  discoveryMethods,
  methodPath,
  type DiscoveryMethod,
} from '../../src/xds/server/service-definitions.js';
import { envoyRegistry } from '../../src/envoy/registry.js';
import type { Message } from '@bufbuild/protobuf';
import { createSnapshotCache, type SnapshotCache } from '../../src/xds/cache/snapshot-cache.js';
import { startXdsServer, type XdsServer } from '../../src/xds/server/xds-server.js';
import { silentLogger } from '../../src/util/logger.js';

/** A bidirectional stream whose responses can be awaited one by one. */
export interface TestStream<Request, Response> {
  send(request: Request): void;
  /** The next response not yet taken (waits for it). */
  next(): Promise<Response>;
  /** Responses received and not yet taken. */
  readonly queued: number;
  /** Resolves with the status the stream ended with. */
  readonly ended: Promise<grpc.StatusObject>;
  close(): void;
}

const queueStream = <Request, Response>(
  call: grpc.ClientDuplexStream<Request, Response>,
): TestStream<Request, Response> => {
  const buffered: Response[] = [];
  const waiting: ((response: Response) => void)[] = [];
  let endedResolve: (status: grpc.StatusObject) => void = () => undefined;
  const ended = new Promise<grpc.StatusObject>((resolve) => (endedResolve = resolve));
  call.on('data', (response: Response) => {
    const waiter = waiting.shift();
    if (waiter) waiter(response);
    else buffered.push(response);
  });
  call.on('status', (status: grpc.StatusObject) => endedResolve(status));
  call.on('error', () => undefined);
  return {
    send: (request) => call.write(request),
    next: () => {
      const ready = buffered.shift();
      if (ready !== undefined) return Promise.resolve(ready);
      return new Promise<Response>((resolve) => waiting.push(resolve));
    },
    get queued() {
      return buffered.length;
    },
    ended,
    close: () => {
      call.end();
      call.cancel();
    },
  };
};

export type SotwRequestInit = MessageInitShape<typeof DiscoveryRequestSchema>;
export type DeltaRequestInit = MessageInitShape<typeof DeltaDiscoveryRequestSchema>;
export type SotwStream = TestStream<SotwRequestInit, DiscoveryResponse>;
export type DeltaStream = TestStream<DeltaRequestInit, DeltaDiscoveryResponse>;

const findMethod = (service: string | undefined, variant: 'sotw' | 'delta'): DiscoveryMethod => {
  const method = discoveryMethods.find(
    (m) => m.variant === variant && (service === undefined ? m.type === undefined : m.service === service),
  );
  if (!method) throw new Error(`no ${variant} method for ${service ?? 'ADS'}`);
  return method;
};

/** A gRPC client connected to 127.0.0.1:port. */
export const connect = (port: number): grpc.Client =>
  new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());

/** Opens a state-of-the-world stream (ADS unless a per-type service name is given). */
export const openSotw = (client: grpc.Client, service?: string): SotwStream => {
  const call = client.makeBidiStreamRequest(
    methodPath(findMethod(service, 'sotw')),
    (request: SotwRequestInit) =>
      Buffer.from(toBinary(DiscoveryRequestSchema, create(DiscoveryRequestSchema, request))),
    (bytes: Buffer) => fromBinary(DiscoveryResponseSchema, bytes),
  );
  return queueStream(call);
};

/** Opens a delta stream (ADS unless a per-type service name is given). */
export const openDelta = (client: grpc.Client, service?: string): DeltaStream => {
  const call = client.makeBidiStreamRequest(
    methodPath(findMethod(service, 'delta')),
    (request: DeltaRequestInit) =>
      Buffer.from(toBinary(DeltaDiscoveryRequestSchema, create(DeltaDiscoveryRequestSchema, request))),
    (bytes: Buffer) => fromBinary(DeltaDiscoveryResponseSchema, bytes),
  );
  return queueStream(call);
};

/** Decodes the resources of a SotW response. */
export const sotwResources = (response: DiscoveryResponse): Message[] =>
  response.resources.map((any) => {
    const message = anyUnpack(any, envoyRegistry);
    if (!message) throw new Error(`cannot unpack ${any.typeUrl}`);
    return message;
  });

/** Names of the resources in a SotW response, in order. */
export const sotwNames = (response: DiscoveryResponse): string[] =>
  sotwResources(response).map((m) => {
    const fields = m as unknown as { name?: string; clusterName?: string };
    return fields.clusterName ?? fields.name ?? '';
  });

/** Names of the resources in a delta response, in order. */
export const deltaNames = (response: DeltaDiscoveryResponse): string[] =>
  response.resources.map((r) => r.name);

/** Decodes one delta resource. */
export const deltaResource = (response: DeltaDiscoveryResponse, name: string): Message | undefined => {
  const resource = response.resources.find((r) => r.name === name)?.resource;
  return resource ? anyUnpack(resource, envoyRegistry) : undefined;
};

/** Runs `run` against a fresh cache, an xDS server on a free loopback port and a client; stops them after. */
export const withServer = async (
  run: (context: { cache: SnapshotCache; server: XdsServer; client: grpc.Client }) => Promise<void>,
): Promise<void> => {
  const cache = createSnapshotCache();
  const server = await startXdsServer({ cache, address: '127.0.0.1', port: 0, logger: silentLogger() });
  const client = connect(server.port);
  try {
    await run({ cache, server, client });
  } finally {
    client.close();
    await server.close();
  }
};
