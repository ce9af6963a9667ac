// A lightweight ADS client over real gRPC (state of the world or delta), as a stand-in for Envoy.
// Responses are decoded only as deep as the bench needs (names and versions), so a hundred clients in
// the server's process cost little CPU next to the server they measure. Every response is ACKed.
import * as grpc from '@grpc/grpc-js';
import { create, toBinary } from '@bufbuild/protobuf';
import {
  DeltaDiscoveryRequestSchema,
  DiscoveryRequestSchema,
} from '../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import { typeUrls, type ResourceType } from '../src/envoy/resources.js';

/** What a client has received for one resource. */
export interface HeldResource {
  /** Delta: the resource's version; SotW: the response's version_info. */
  version: string;
  /** process.hrtime.bigint() when it arrived. */
  receivedAt: bigint;
}

export interface AdsClient {
  readonly variant: 'sotw' | 'delta';
  /** What the client holds, by type then name. */
  held(type: ResourceType): ReadonlyMap<string, HeldResource>;
  /** Responses received so far. */
  responses(): number;
  /** Bytes of the responses received so far (gRPC message payloads). */
  bytes(): number;
  /** The stream's error, if it failed. */
  error(): string | undefined;
  close(): void;
}

/** A subscription: resource names per type; an empty list means wildcard (LDS/CDS). */
export type Subscriptions = Partial<Record<ResourceType, string[]>>;

const typeOfUrl = new Map<string, ResourceType>(
  (Object.entries(typeUrls) as [ResourceType, string][]).map(([type, url]) => [url, type]),
);

const adsService = '/envoy.service.discovery.v3.AggregatedDiscoveryService';

// --- a minimal protobuf wire reader: just the fields the bench looks at ---
// It allocates nothing per field and stops as soon as it has what it needs: a hundred clients decode
// every 2 MB `ingress_http` in one process, and the bench should measure the server, not its clients.

interface FieldVisitor {
  /** Return true to stop visiting. */
  (field: number, bytes: Uint8Array, start: number, end: number): boolean | void;
}

/** Where the last readVarint stopped (a module-level cursor instead of a tuple per call). */
let varintEnd = 0;

const readVarint = (buffer: Uint8Array, offset: number): number => {
  let result = 0;
  let shift = 0;
  let position = offset;
  for (;;) {
    const byte = buffer[position++];
    // Field lengths and tags fit in 53 bits; multiply rather than shift past 31 bits.
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) {
      varintEnd = position;
      return result;
    }
    shift += 7;
  }
};

/**
 * Calls visit for each length-delimited field in buffer[start, end) until it returns true; other wire
 * types are skipped.
 */
const visitFields = (buffer: Uint8Array, start: number, end: number, visit: FieldVisitor): void => {
  let position = start;
  while (position < end) {
    const tag = readVarint(buffer, position);
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    position = varintEnd;
    if (wireType === 2) {
      const length = readVarint(buffer, position);
      const valueStart = varintEnd;
      position = valueStart + length;
      if (visit(field, buffer, valueStart, position) === true) return;
    } else if (wireType === 0) {
      readVarint(buffer, position);
      position = varintEnd;
    } else if (wireType === 1) {
      position += 8;
    } else if (wireType === 5) {
      position += 4;
    } else {
      throw new Error(`unsupported wire type ${wireType}`);
    }
  }
};

const decoder = new TextDecoder();
const text = (buffer: Uint8Array, start: number, end: number): string =>
  decoder.decode(buffer.subarray(start, end));

/** The name of a resource: field 1 of every xDS resource type the bench sees (read, then stop). */
const nameInAny = (buffer: Uint8Array, start: number, end: number): string => {
  let name = '';
  visitFields(buffer, start, end, (field, bytes, valueStart, valueEnd) => {
    if (field !== 2) return false; // Any.value
    visitFields(bytes, valueStart, valueEnd, (inner, innerBytes, s, e) => {
      if (inner !== 1) return false;
      name = text(innerBytes, s, e);
      return true;
    });
    return true;
  });
  return name;
};

interface DecodedResponse {
  typeUrl: string;
  version: string;
  nonce: string;
  resources: { name: string; version: string }[];
  removed: string[];
}

/** DiscoveryResponse: 1 version_info, 2 resources (Any), 4 type_url, 5 nonce. */
const decodeSotw = (buffer: Uint8Array): DecodedResponse => {
  const response: DecodedResponse = { typeUrl: '', version: '', nonce: '', resources: [], removed: [] };
  visitFields(buffer, 0, buffer.length, (field, bytes, start, end) => {
    if (field === 1) response.version = text(bytes, start, end);
    else if (field === 2) response.resources.push({ name: nameInAny(bytes, start, end), version: '' });
    else if (field === 4) response.typeUrl = text(bytes, start, end);
    else if (field === 5) response.nonce = text(bytes, start, end);
  });
  for (const resource of response.resources) resource.version = response.version;
  return response;
};

/** DeltaDiscoveryResponse: 1 system_version_info, 2 resources (Resource{1 version, 3 name}), 4 type_url, 5 nonce, 6 removed. */
const decodeDelta = (buffer: Uint8Array): DecodedResponse => {
  const response: DecodedResponse = { typeUrl: '', version: '', nonce: '', resources: [], removed: [] };
  visitFields(buffer, 0, buffer.length, (field, bytes, start, end) => {
    if (field === 1) response.version = text(bytes, start, end);
    else if (field === 2) {
      const resource = { name: '', version: '' };
      visitFields(bytes, start, end, (inner, innerBytes, s, e) => {
        if (inner === 1) resource.version = text(innerBytes, s, e);
        else if (inner === 3) resource.name = text(innerBytes, s, e);
      });
      response.resources.push(resource);
    } else if (field === 4) response.typeUrl = text(bytes, start, end);
    else if (field === 5) response.nonce = text(bytes, start, end);
    else if (field === 6) response.removed.push(text(bytes, start, end));
  });
  return response;
};

const passBytes = (value: Uint8Array): Buffer =>
  Buffer.from(value.buffer, value.byteOffset, value.byteLength);
const keepBytes = (bytes: Buffer): Uint8Array =>
  new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);

const node = { id: 'bench-envoy', cluster: 'bench' };

/** HTTP/2 flow-control windows Envoy advertises by default (stream and connection: 256 MiB). */
export const envoyDefaultWindowBytes = 256 * 1024 * 1024;

/**
 * The channel options every bench client uses: no message size limit (10,000 routes are megabytes),
 * and Envoy's default HTTP/2 windows, so a 2 MB response flows as it would to an Envoy instead of
 * stalling on grpc-js's 64 KiB default window and its WINDOW_UPDATE round trips.
 */
export const clientChannelOptions: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': -1,
  'grpc.max_send_message_length': -1,
  'grpc-node.flow_control_window': envoyDefaultWindowBytes,
};

/** Opens one ADS stream on `channel` and subscribes; the client ACKs every response. */
export const connectAdsClient = (
  channel: grpc.Client,
  variant: 'sotw' | 'delta',
  subscriptions: Subscriptions,
  /** Called after every response is applied (the bench waits on it rather than polling). */
  onUpdate: () => void = () => {},
): AdsClient => {
  const heldByType = new Map<ResourceType, Map<string, HeldResource>>();
  const heldOf = (type: ResourceType): Map<string, HeldResource> => {
    let held = heldByType.get(type);
    if (!held) {
      held = new Map<string, HeldResource>();
      heldByType.set(type, held);
    }
    return held;
  };
  let count = 0;
  let received = 0;
  let failure: string | undefined;
  const types = (Object.keys(subscriptions) as ResourceType[]).sort();

  if (variant === 'sotw') {
    const stream = channel.makeBidiStreamRequest(
      `${adsService}/StreamAggregatedResources`,
      passBytes,
      keepBytes,
    );
    // What every request of a type repeats (node, type, the subscribed names: 1,001 route names in
    // the edit row) is encoded once; concatenated encodings of one message merge into one message.
    const subscriptionParts = new Map<ResourceType, Uint8Array>();
    const subscriptionPart = (type: ResourceType): Uint8Array => {
      let part = subscriptionParts.get(type);
      if (!part) {
        part = toBinary(
          DiscoveryRequestSchema,
          create(DiscoveryRequestSchema, {
            node,
            typeUrl: typeUrls[type],
            resourceNames: subscriptions[type] ?? [],
          }),
        );
        subscriptionParts.set(type, part);
      }
      return part;
    };
    const send = (type: ResourceType, version: string, nonce: string): void => {
      const acknowledgement = toBinary(
        DiscoveryRequestSchema,
        create(DiscoveryRequestSchema, { versionInfo: version, responseNonce: nonce }),
      );
      stream.write(Buffer.concat([subscriptionPart(type), acknowledgement]));
    };
    stream.on('data', (bytes: Uint8Array) => {
      const receivedAt = process.hrtime.bigint();
      const response = decodeSotw(bytes);
      const type = typeOfUrl.get(response.typeUrl);
      count += 1;
      received += bytes.length;
      if (!type) return;
      const held = heldOf(type);
      // State of the world for wildcard types: whatever is not in the response is gone.
      if ((subscriptions[type] ?? []).length === 0) held.clear();
      for (const resource of response.resources)
        held.set(resource.name, { version: resource.version, receivedAt });
      send(type, response.version, response.nonce);
      onUpdate();
    });
    stream.on('error', (error: Error) => {
      failure ??= error.message;
      onUpdate();
    });
    for (const type of types) send(type, '', '');
    return {
      variant,
      held: (type) => heldOf(type),
      responses: () => count,
      bytes: () => received,
      error: () => failure,
      close: () => stream.cancel(),
    };
  }

  const stream = channel.makeBidiStreamRequest(
    `${adsService}/DeltaAggregatedResources`,
    passBytes,
    keepBytes,
  );
  const send = (request: Parameters<typeof create<typeof DeltaDiscoveryRequestSchema>>[1]): void => {
    stream.write(toBinary(DeltaDiscoveryRequestSchema, create(DeltaDiscoveryRequestSchema, request)));
  };
  stream.on('data', (bytes: Uint8Array) => {
    const receivedAt = process.hrtime.bigint();
    const response = decodeDelta(bytes);
    const type = typeOfUrl.get(response.typeUrl);
    count += 1;
    received += bytes.length;
    if (!type) return;
    const held = heldOf(type);
    for (const resource of response.resources)
      held.set(resource.name, { version: resource.version, receivedAt });
    for (const name of response.removed) held.delete(name);
    send({ typeUrl: response.typeUrl, responseNonce: response.nonce });
    onUpdate();
  });
  stream.on('error', (error: Error) => {
    failure ??= error.message;
    onUpdate();
  });
  for (const type of types) {
    // Delta wildcard: subscribe to "*" (an empty first request also means wildcard).
    const names = subscriptions[type] ?? [];
    send({ node, typeUrl: typeUrls[type], resourceNamesSubscribe: names.length === 0 ? ['*'] : names });
  }
  return {
    variant,
    held: (type) => heldOf(type),
    responses: () => count,
    bytes: () => received,
    error: () => failure,
    close: () => stream.cancel(),
  };
};

/** Opens `count` gRPC channels to 127.0.0.1:port (each its own connection). */
export const openChannels = (port: number, count: number): grpc.Client[] =>
  Array.from(
    { length: count },
    (_, index) =>
      new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
        ...clientChannelOptions,
        // Distinct option values keep grpc-js from sharing one subchannel (one TCP connection) among them.
        'grpc.use_local_subchannel_pool': 1,
        'bench.channel': index,
      }),
  );
