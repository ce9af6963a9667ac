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
import { clientChannelOptions } from './ads-client.js';

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
  | { kind: 'connected'; streams: number; cpuMicros: number }
  /** `at`: hrtime (decimal ns) at which the last stream held the version. */
  | { kind: 'held'; id: number; at: string; cpuMicros: number }
  | { kind: 'failed'; id?: number; message: string };

/** One awaited version: which streams hold it (received after `since`), and the latest arrival. */
interface Watch {
  name: string;
  version: string;
  since: bigint;
  streams: Set<number>;
  latest: bigint;
}

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
        ...clientChannelOptions,
        // Distinct option values keep grpc-js from sharing one connection among the channels.
        'grpc.use_local_subchannel_pool': 1,
        'fanout.channel': index,
      }),
  );
  const held: Map<string, Held>[] = [];
  let failure: string | undefined;
  let onUpdate: () => void = () => undefined;
  // What the parent waits for, counted as responses arrive: checking all streams on every response
  // would make the fleet's own work grow with the square of the stream count.
  const watches = new Set<Watch>();
  const observe = (index: number, name: string, version: string, receivedAt: bigint): void => {
    for (const watch of watches) {
      if (watch.name !== name || watch.version !== version || receivedAt <= watch.since) continue;
      if (watch.streams.has(index)) continue;
      watch.streams.add(index);
      if (receivedAt > watch.latest) watch.latest = receivedAt;
    }
  };
  // Every stream ACKs the same (type, nonce) when the server shares a response: encode each ACK once.
  let lastAck: { typeUrl: string; nonce: string; bytes: Buffer } | undefined;
  const ackBytes = (typeUrl: string, nonce: string): Buffer => {
    if (lastAck?.typeUrl !== typeUrl || lastAck.nonce !== nonce) {
      const request = create(DeltaDiscoveryRequestSchema, { typeUrl, responseNonce: nonce });
      lastAck = { typeUrl, nonce, bytes: Buffer.from(toBinary(DeltaDiscoveryRequestSchema, request)) };
    }
    return lastAck.bytes;
  };

  for (let index = 0; index < start.streams; index++) {
    const holds = new Map<string, Held>();
    held.push(holds);
    const call = channels[index % start.channels].makeBidiStreamRequest(
      deltaPath,
      (request: DeltaRequestInit | Buffer) =>
        Buffer.isBuffer(request)
          ? request
          : Buffer.from(toBinary(DeltaDiscoveryRequestSchema, create(DeltaDiscoveryRequestSchema, request))),
      (bytes: Buffer) => fromBinary(DeltaDiscoveryResponseSchema, bytes),
    );
    call.on('data', (response: DeltaDiscoveryResponse) => {
      for (const resource of response.resources) {
        // Decode the cluster itself, as Envoy would, before counting it as held.
        const cluster = resource.resource ? fromBinary(ClusterSchema, resource.resource.value) : undefined;
        if (cluster?.name !== resource.name)
          failure ??= `stream ${index}: resource ${resource.name} misnamed`;
        const receivedAt = process.hrtime.bigint();
        holds.set(resource.name, { version: resource.version, receivedAt });
        observe(index, resource.name, resource.version, receivedAt);
      }
      for (const name of response.removedResources) holds.delete(name);
      call.write(ackBytes(response.typeUrl, response.nonce));
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
    const cpu = process.cpuUsage();
    send({ kind: 'connected', streams: start.streams, cpuMicros: cpu.user + cpu.system });
  };
  waiters.add(connectedCheck);

  process.on('message', (message: ParentMessage) => {
    if (message.kind === 'stop') {
      for (const channel of channels) channel.close();
      process.exit(0);
    }
    if (message.kind !== 'await') return;
    const since = BigInt(message.since);
    const watch: Watch = {
      name: message.name,
      version: message.version,
      since,
      streams: new Set(),
      latest: since,
    };
    const finish = (): void => {
      waiters.delete(check);
      watches.delete(watch);
      clearTimeout(timer);
    };
    const timer = setTimeout(() => {
      finish();
      send({ kind: 'failed', id: message.id, message: `not every stream held ${message.name} in time` });
    }, message.timeoutMs);
    const check = (): void => {
      if (failure) {
        finish();
        send({ kind: 'failed', id: message.id, message: failure });
      } else if (watch.streams.size === held.length) {
        finish();
        const cpu = process.cpuUsage();
        send({ kind: 'held', id: message.id, at: String(watch.latest), cpuMicros: cpu.user + cpu.system });
      }
    };
    watches.add(watch);
    // Streams that got it before the parent asked (the IPC message may trail the change).
    held.forEach((holds, index) => {
      const entry = holds.get(message.name);
      if (entry) observe(index, message.name, entry.version, entry.receivedAt);
    });
    waiters.add(check);
    check();
  });
};

process.once('message', (message: ParentMessage) => {
  if (message.kind === 'start') startFleet(message);
});
process.on('disconnect', () => process.exit(0));
