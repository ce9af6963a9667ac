// The fanout row's client fleet, run as a child process so its decoding does not compete with the
// server's event loop: many delta ADS streams over real gRPC (@grpc/grpc-js), requests and responses
// encoded and decoded with Envoy's protos, every response ACKed. The parent asks over IPC when every
// stream holds a given cluster version; the answer is the monotonic time (process.hrtime, the same
// clock in every process on the machine) at which the last stream got it.
import * as grpc from '@grpc/grpc-js';
import { create, fromBinary, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { ClusterSchema } from '../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import {
  DeltaDiscoveryRequestSchema,
  DeltaDiscoveryResponseSchema,
  type DeltaDiscoveryResponse,
} from '../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import { typeUrls } from '../src/envoy/resources.js';

/** What the parent sends to start the fleet. */
export interface FleetStart {
  kind: 'start';
  port: number;
  streams: number;
  channels: number;
  /** Cluster names every stream subscribes to (an empty list subscribes to "*"). */
  clusters: string[];
}

/** Asks when every stream holds `name` in `version`, received after `since` (hrtime, decimal ns). */
export interface FleetAwait {
  kind: 'await';
  id: number;
  name: string;
  version: string;
  since: string;
  timeoutMs: number;
}

export type ParentMessage = FleetStart | FleetAwait | { kind: 'stop' };

export type FleetMessage =
  | { kind: 'connected'; streams: number }
  /** `at`: hrtime (decimal ns) at which the last stream held the version. */
  | { kind: 'held'; id: number; at: string }
  | { kind: 'failed'; id?: number; message: string };

interface Held {
  version: string;
  receivedAt: bigint;
}

const deltaPath = '/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources';
type DeltaRequestInit = MessageInitShape<typeof DeltaDiscoveryRequestSchema>;

const send = (message: FleetMessage): void => {
  process.send?.(message);
};

const startFleet = (start: FleetStart): void => {
  const channels = Array.from(
    { length: start.channels },
    (_, index) =>
      new grpc.Client(`127.0.0.1:${start.port}`, grpc.credentials.createInsecure(), {
        'grpc.max_receive_message_length': -1,
        // Distinct option values keep grpc-js from sharing one connection among the channels.
        'grpc.use_local_subchannel_pool': 1,
        'fanout.channel': index,
      }),
  );
  const held: Map<string, Held>[] = [];
  let failure: string | undefined;
  let onUpdate: () => void = () => undefined;

  for (let index = 0; index < start.streams; index++) {
    const holds = new Map<string, Held>();
    held.push(holds);
    const call = channels[index % start.channels].makeBidiStreamRequest(
      deltaPath,
      (request: DeltaRequestInit) =>
        Buffer.from(toBinary(DeltaDiscoveryRequestSchema, create(DeltaDiscoveryRequestSchema, request))),
      (bytes: Buffer) => fromBinary(DeltaDiscoveryResponseSchema, bytes),
    );
    call.on('data', (response: DeltaDiscoveryResponse) => {
      for (const resource of response.resources) {
        // Decode the cluster itself, as Envoy would, before counting it as held.
        const cluster = resource.resource ? fromBinary(ClusterSchema, resource.resource.value) : undefined;
        if (cluster?.name !== resource.name)
          failure ??= `stream ${index}: resource ${resource.name} misnamed`;
        holds.set(resource.name, { version: resource.version, receivedAt: process.hrtime.bigint() });
      }
      for (const name of response.removedResources) holds.delete(name);
      call.write({ typeUrl: response.typeUrl, responseNonce: response.nonce });
      onUpdate();
    });
    call.on('error', (error: Error) => {
      failure ??= `stream ${index}: ${error.message}`;
      onUpdate();
    });
    call.write({
      node: { id: `fanout-${index}`, cluster: 'bench' },
      typeUrl: typeUrls.cluster,
      resourceNamesSubscribe: start.clusters.length === 0 ? ['*'] : start.clusters,
    });
  }

  /** The latest arrival of name@version over all streams, or undefined while one lacks it. */
  const lastArrival = (name: string, version: string | undefined, since: bigint): bigint | undefined => {
    let latest = since;
    for (const holds of held) {
      const entry = holds.get(name);
      if (!entry || entry.receivedAt <= since || (version !== undefined && entry.version !== version))
        return undefined;
      if (entry.receivedAt > latest) latest = entry.receivedAt;
    }
    return latest;
  };

  const waiters = new Set<() => void>();
  onUpdate = () => {
    for (const waiter of [...waiters]) waiter();
  };

  // Connected once every stream holds every subscribed cluster (in whatever version).
  const connectedCheck = (): void => {
    if (failure) {
      waiters.delete(connectedCheck);
      send({ kind: 'failed', message: failure });
      return;
    }
    for (const name of start.clusters) if (lastArrival(name, undefined, 0n) === undefined) return;
    waiters.delete(connectedCheck);
    send({ kind: 'connected', streams: start.streams });
  };
  waiters.add(connectedCheck);

  process.on('message', (message: ParentMessage) => {
    if (message.kind === 'stop') {
      for (const channel of channels) channel.close();
      process.exit(0);
    }
    if (message.kind !== 'await') return;
    const since = BigInt(message.since);
    const timer = setTimeout(() => {
      waiters.delete(check);
      send({ kind: 'failed', id: message.id, message: `not every stream held ${message.name} in time` });
    }, message.timeoutMs);
    const check = (): void => {
      const at = failure ? undefined : lastArrival(message.name, message.version, since);
      if (!failure && at === undefined) return;
      waiters.delete(check);
      clearTimeout(timer);
      if (failure) send({ kind: 'failed', id: message.id, message: failure });
      else send({ kind: 'held', id: message.id, at: String(at) });
    };
    waiters.add(check);
    check();
  });
};

process.once('message', (message: ParentMessage) => {
  if (message.kind === 'start') startFleet(message);
});
process.on('disconnect', () => process.exit(0));
