// A minimal xDS client: one stream (ADS or the type's own service, state of the world or delta) that
// subscribes to one resource type, reports every response as canonical JSON, and ACKs or NACKs it.
import * as grpc from '@grpc/grpc-js';
import { create, fromBinary, toBinary, toJson, type JsonValue } from '@bufbuild/protobuf';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import {
  DeltaDiscoveryRequestSchema,
  DeltaDiscoveryResponseSchema,
  DiscoveryRequestSchema,
  DiscoveryResponseSchema,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from '../../gen/envoy/service/discovery/v3/discovery_pb.js';
import { typeUrls, type ResourceType } from '../../envoy/resources.js';
import { envoyRegistry } from '../../envoy/registry.js';
import type { XdsChannel } from './credentials.js';

/** `contour cli` subcommand names and the resource type each watches. */
export const cliResourceTypes = {
  lds: 'listener',
  rds: 'route',
  cds: 'cluster',
  eds: 'endpoint',
  sds: 'secret',
} as const satisfies Record<string, ResourceType>;

const perTypeService: Record<ResourceType, { service: string; noun: string }> = {
  listener: { service: 'envoy.service.listener.v3.ListenerDiscoveryService', noun: 'Listeners' },
  route: { service: 'envoy.service.route.v3.RouteDiscoveryService', noun: 'Routes' },
  cluster: { service: 'envoy.service.cluster.v3.ClusterDiscoveryService', noun: 'Clusters' },
  endpoint: { service: 'envoy.service.endpoint.v3.EndpointDiscoveryService', noun: 'Endpoints' },
  secret: { service: 'envoy.service.secret.v3.SecretDiscoveryService', noun: 'Secrets' },
  runtime: { service: 'envoy.service.runtime.v3.RuntimeDiscoveryService', noun: 'Runtime' },
};

const adsService = 'envoy.service.discovery.v3.AggregatedDiscoveryService';

/** The gRPC method a watch uses. */
export const discoveryMethodPath = (type: ResourceType, ads: boolean, delta: boolean): string => {
  if (ads) return `/${adsService}/${delta ? 'DeltaAggregatedResources' : 'StreamAggregatedResources'}`;
  const { service, noun } = perTypeService[type];
  return `/${service}/${delta ? 'Delta' : 'Stream'}${noun}`;
};

export interface DiscoveryWatchOptions {
  /** host:port of the xDS server. */
  target: string;
  channel: XdsChannel;
  type: ResourceType;
  /** Names to subscribe to; empty = every resource (wildcard). */
  resourceNames: string[];
  nodeId: string;
  /** Use the aggregated service instead of the type's own one. */
  ads: boolean;
  /** Use the incremental (delta) protocol. */
  delta: boolean;
  /** Reject every response (with an error detail) instead of accepting it. */
  nack: boolean;
}

/** One response as received, and what the client answered. */
export interface DiscoveryEvent {
  /** The response as canonical proto JSON (resources expanded with their "@type"). */
  json: JsonValue;
  /** Version of the response (delta: system_version_info). */
  version: string;
  nonce: string;
  /** Names of the resources in the response (delta: changed ones), in order. */
  resourceNames: string[];
  /** Delta only: names the server removed. */
  removedResources: string[];
  /** Whether it was ACKed (false: NACKed). */
  acked: boolean;
}

export interface DiscoveryWatch {
  /** Ends the stream (cancels the call and closes the channel). */
  close(): void;
  /** Resolves when the stream ends, with the gRPC status. */
  readonly ended: Promise<grpc.StatusObject>;
}

/** Error detail sent with a NACK, as `contour cli --nack` sends it. */
export const nackMessage = 'Told to create a NACK for testing';
const internalCode = 13;

const jsonOptions = { registry: envoyRegistry, useProtoFieldName: true } as const;

const responseJson = (render: () => JsonValue, fallback: () => JsonValue): JsonValue => {
  try {
    return render();
  } catch {
    // A type missing from the registry must not end the watch; show what we can.
    return fallback();
  }
};

/** Opens a discovery stream and calls onResponse for every response; ACKs (or NACKs) each one. */
export const watchDiscovery = (
  options: DiscoveryWatchOptions,
  onResponse: (event: DiscoveryEvent) => void,
): DiscoveryWatch => {
  const client = new grpc.Client(options.target, options.channel.credentials, options.channel.options);
  const path = discoveryMethodPath(options.type, options.ads, options.delta);
  const typeUrl = typeUrls[options.type];
  const node = { id: options.nodeId };
  let endedResolve: (status: grpc.StatusObject) => void = () => undefined;
  const ended = new Promise<grpc.StatusObject>((resolve) => (endedResolve = resolve));
  const errorDetail = { code: internalCode, message: nackMessage };

  const finish = (call: grpc.ClientDuplexStream<unknown, unknown>) => {
    call.on('status', (status: grpc.StatusObject) => {
      client.close();
      endedResolve(status);
    });
    // Errors also arrive as a status; this only keeps them from being thrown.
    call.on('error', () => undefined);
  };

  // close() waits for the last ACK/NACK to reach the transport, so "--once" still answers what it got.
  let lastWrite: Promise<void> = Promise.resolve();
  const send = <T>(call: grpc.ClientDuplexStream<T, unknown>, request: T) => {
    lastWrite = new Promise<void>((resolve) => call.write(request, () => resolve()));
  };

  let close: () => void;
  if (!options.delta) {
    const call = client.makeBidiStreamRequest(
      path,
      (request: DiscoveryRequest) => Buffer.from(toBinary(DiscoveryRequestSchema, request)),
      (bytes: Buffer) => fromBinary(DiscoveryResponseSchema, bytes),
    );
    finish(call as grpc.ClientDuplexStream<unknown, unknown>);
    let accepted = '';
    send(call, create(DiscoveryRequestSchema, { node, typeUrl, resourceNames: options.resourceNames }));
    call.on('data', (response: DiscoveryResponse) => {
      if (!options.nack) accepted = response.versionInfo;
      // A NACK repeats the last accepted version, so the server knows what the client still runs.
      send(
        call,
        create(DiscoveryRequestSchema, {
          node,
          typeUrl,
          resourceNames: options.resourceNames,
          versionInfo: accepted,
          responseNonce: response.nonce,
          errorDetail: options.nack ? errorDetail : undefined,
        }),
      );
      onResponse({
        json: responseJson(
          () => toJson(DiscoveryResponseSchema, response, jsonOptions),
          () => ({ version_info: response.versionInfo, type_url: response.typeUrl, nonce: response.nonce }),
        ),
        version: response.versionInfo,
        nonce: response.nonce,
        resourceNames: sotwNames(response),
        removedResources: [],
        acked: !options.nack,
      });
    });
    close = () => void Promise.race([lastWrite, ended]).then(() => call.cancel());
  } else {
    const call = client.makeBidiStreamRequest(
      path,
      (request: DeltaDiscoveryRequest) => Buffer.from(toBinary(DeltaDiscoveryRequestSchema, request)),
      (bytes: Buffer) => fromBinary(DeltaDiscoveryResponseSchema, bytes),
    );
    finish(call as grpc.ClientDuplexStream<unknown, unknown>);
    call.write(
      create(DeltaDiscoveryRequestSchema, { node, typeUrl, resourceNamesSubscribe: options.resourceNames }),
    );
    call.on('data', (response: DeltaDiscoveryResponse) => {
      send(
        call,
        create(DeltaDiscoveryRequestSchema, {
          node,
          typeUrl,
          responseNonce: response.nonce,
          errorDetail: options.nack ? errorDetail : undefined,
        }),
      );
      onResponse({
        json: responseJson(
          () => toJson(DeltaDiscoveryResponseSchema, response, jsonOptions),
          () => ({
            system_version_info: response.systemVersionInfo,
            type_url: response.typeUrl,
            nonce: response.nonce,
          }),
        ),
        version: response.systemVersionInfo,
        nonce: response.nonce,
        resourceNames: response.resources.map((r) => r.name),
        removedResources: [...response.removedResources],
        acked: !options.nack,
      });
    });
    close = () => void Promise.race([lastWrite, ended]).then(() => call.cancel());
  }
  return { close: () => close(), ended };
};

// SotW resources carry their name inside their body: read the `name` (or `cluster_name` for EDS) field.
const sotwNames = (response: DiscoveryResponse): string[] =>
  response.resources.map((any) => {
    try {
      const message = anyUnpack(any, envoyRegistry) as { name?: unknown; clusterName?: unknown } | undefined;
      const name = message?.clusterName ?? message?.name;
      return typeof name === 'string' ? name : '';
    } catch {
      return '';
    }
  });
