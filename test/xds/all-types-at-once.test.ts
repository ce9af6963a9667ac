// A client subscribing to every type in its first requests, before anything is ACKed (as Envoy does
// once it knows the names: LDS and CDS wildcard, RDS, EDS and SDS by name), ends up with every resource.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { typeUrls, type ResourceType } from '../../src/envoy/resources.js';
import { resourceTypeOfUrl } from '../../src/xds/cache/cached-resource.js';
import type { SnapshotCache } from '../../src/xds/cache/snapshot-cache.js';
import type {
  DeltaDiscoveryResponse,
  DiscoveryResponse,
} from '../../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import { deltaNames, openDelta, openSotw, sotwNames, withServer, type TestStream } from './client.js';
import { edsCluster, endpoints, httpListener, resourcesOf, routeConfig, secret } from './fixtures.js';

const node = { id: 'envoy-1', cluster: 'contour' };

/** The names of the quickstart-like snapshot, by type. */
const quickstartNames = new Map<ResourceType, string[]>([
  ['listener', ['ingress_https']],
  ['route', ['ingress_http']],
  ['cluster', ['default/a/80', 'default/b/80']],
  ['endpoint', ['default/a/80', 'default/b/80']],
  ['secret', ['default/tls']],
]);

/** A quickstart-like snapshot: one HTTPS listener, ingress_http, two EDS clusters, their endpoints, a secret. */
const publishQuickstart = (cache: SnapshotCache): Map<ResourceType, string[]> => {
  cache.publish(
    resourcesOf({
      listeners: [httpListener('ingress_https', 'ingress_http', 'default/tls')],
      routes: [routeConfig('ingress_http', ['default/a/80', 'default/b/80'])],
      clusters: [edsCluster('default/a/80'), edsCluster('default/b/80')],
      endpoints: [endpoints('default/a/80'), endpoints('default/b/80')],
      secrets: [secret('default/tls')],
    }),
  );
  return quickstartNames;
};

/** The per-type service of each type. */
const services: Record<ResourceType, string> = {
  listener: 'envoy.service.listener.v3.ListenerDiscoveryService',
  route: 'envoy.service.route.v3.RouteDiscoveryService',
  cluster: 'envoy.service.cluster.v3.ClusterDiscoveryService',
  endpoint: 'envoy.service.endpoint.v3.EndpointDiscoveryService',
  secret: 'envoy.service.secret.v3.SecretDiscoveryService',
  runtime: 'envoy.service.runtime.v3.RuntimeDiscoveryService',
};

const allTypes: readonly ResourceType[] = ['listener', 'cluster', 'route', 'endpoint', 'secret'];
const named = (type: ResourceType): boolean => type !== 'listener' && type !== 'cluster';

const complete = (held: Map<ResourceType, Set<string>>, want: Map<ResourceType, string[]>): boolean =>
  [...want].every(([type, names]) => names.every((name) => held.get(type)?.has(name) ?? false));

const describeHeld = (held: Map<ResourceType, Set<string>>) =>
  JSON.stringify(Object.fromEntries([...held].map(([type, names]) => [type, [...names].sort()])));

/**
 * Reads responses (from the one ADS stream, or from every per-type stream) and hands each to `handle`
 * until the client holds every wanted name; fails naming what it holds after 10 s.
 */
const readUntilComplete = async <Response>(
  streams: ReadonlyMap<ResourceType, { next(): Promise<Response> }>,
  handle: (type: ResourceType, response: Response) => void,
  held: Map<ResourceType, Set<string>>,
  want: Map<ResourceType, string[]>,
): Promise<void> => {
  const single = new Set(streams.values()).size === 1;
  const pending = new Map<ResourceType, Promise<void>>();
  const deadline = Date.now() + 10_000;
  while (!complete(held, want)) {
    for (const type of single ? [allTypes[0]] : allTypes) {
      if (pending.has(type)) continue;
      const read = streams
        .get(type)!
        .next()
        .then((response) => {
          pending.delete(type);
          handle(type, response);
        });
      pending.set(type, read);
    }
    await Promise.race([
      ...pending.values(),
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`never complete; held ${describeHeld(held)}`)),
          Math.max(deadline - Date.now(), 0),
        ).unref(),
      ),
    ]);
  }
};

/**
 * Subscribes to every type in the first requests (on one ADS stream, or one stream per type), then
 * answers each response with `ack` (which also records what the client holds) until it holds everything.
 */
const subscribeAllAtOnce = async <Request, Response>(
  cache: SnapshotCache,
  open: (service?: string) => TestStream<Request, Response>,
  perType: boolean,
  first: (type: ResourceType, names: string[]) => Request,
  ack: (response: Response, held: Map<ResourceType, Set<string>>) => Request,
): Promise<void> => {
  const want = publishQuickstart(cache);
  const held = new Map<ResourceType, Set<string>>(allTypes.map((type) => [type, new Set()]));
  const ads = perType ? undefined : open();
  const streams = new Map(allTypes.map((type) => [type, ads ?? open(services[type])]));
  for (const type of allTypes) streams.get(type)!.send(first(type, named(type) ? want.get(type)! : []));
  const handle = (type: ResourceType, response: Response): void =>
    streams.get(type)!.send(ack(response, held));
  try {
    await readUntilComplete(streams, handle, held, want);
  } finally {
    for (const stream of new Set(streams.values())) stream.close();
  }
  assert.ok(complete(held, want));
};

for (const perType of [false, true]) {
  test(`SotW ${perType ? 'per-type streams' : 'ADS'}: every type subscribed before any ACK`, async () => {
    await withServer(({ cache, client }) =>
      subscribeAllAtOnce(
        cache,
        (service) => openSotw(client, service),
        perType,
        (type, names) => ({ node, typeUrl: typeUrls[type], resourceNames: names }),
        (response: DiscoveryResponse, held) => {
          const type = resourceTypeOfUrl.get(response.typeUrl)!;
          const names = held.get(type)!;
          if (!named(type)) names.clear();
          for (const name of sotwNames(response)) names.add(name);
          // An ACK repeats the subscription, as Envoy's do: resource_names replace it on every request.
          return {
            typeUrl: response.typeUrl,
            versionInfo: response.versionInfo,
            responseNonce: response.nonce,
            resourceNames: named(type) ? quickstartNames.get(type)! : [],
          };
        },
      ),
    );
  });

  test(`delta ${perType ? 'per-type streams' : 'ADS'}: every type subscribed before any ACK`, async () => {
    await withServer(({ cache, client }) =>
      subscribeAllAtOnce(
        cache,
        (service) => openDelta(client, service),
        perType,
        (type, names) => ({ node, typeUrl: typeUrls[type], resourceNamesSubscribe: names }),
        (response: DeltaDiscoveryResponse, held) => {
          const names = held.get(resourceTypeOfUrl.get(response.typeUrl)!)!;
          for (const name of response.removedResources) names.delete(name);
          for (const name of deltaNames(response)) names.add(name);
          return { typeUrl: response.typeUrl, responseNonce: response.nonce };
        },
      ),
    );
  });
}
