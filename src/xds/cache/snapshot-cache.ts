// The snapshot cache: the current Envoy resources per xDS type, versioned by content.
// Published messages are treated as immutable: the same object published again is not re-encoded,
// and the same list published again (the incremental engine hands back unchanged lists) is skipped.
// Entries keep encoded bytes, never messages; a list may also hold entries already encoded (what the
// incremental engine memoizes) and route configurations with pre-encoded virtual hosts.
// Work per publish is proportional to what changed, not to the snapshot: route configurations are
// encoded from cached per-virtual-host pieces, type hashes are updated per changed name, and
// EndpointSlice changes patch single ClusterLoadAssignments.
import { toJson, type JsonObject, type JsonValue, type Message } from '@bufbuild/protobuf';
import type { ClusterLoadAssignment } from '../../gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { Cluster } from '../../gen/envoy/config/cluster/v3/cluster_pb.js';
import type { Listener } from '../../gen/envoy/config/listener/v3/listener_pb.js';
import type { Secret } from '../../gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import type { Runtime } from '../../gen/envoy/service/runtime/v3/rtds_pb.js';
import { typeUrls, type EnvoyResources, type ResourceType } from '../../envoy/resources.js';
import type { RouteConfiguration } from '../../gen/envoy/config/route/v3/route_pb.js';
import {
  cacheResource,
  encodedResource,
  isCachedResource,
  resourceSchemas,
  shortHash,
  type CachedResource,
} from './cached-resource.js';
import {
  createRouteConfigurationEncoder,
  isSplicedRouteConfiguration,
  type SplicedRouteConfiguration,
} from './route-encoding.js';
import { createTypeDigest, type TypeDigest } from './type-digest.js';
import { envoyRegistry } from '../../envoy/registry.js';

/**
 * The resources of one type, by name: the cache's live map, changed in place by each publish (copying
 * 10,000 entries per EndpointSlice event would be O(N)). Read it when needed; do not keep it to compare.
 */
export type ResourceMap = ReadonlyMap<string, CachedResource>;

/** A resource to publish: a message, or an entry already encoded (`encodedResource`, `cacheResource`). */
export type Publishable<M extends Message> = M | CachedResource;

/** What a publish takes: translate's messages (EnvoyResources) or pre-encoded entries, each list by name. */
export interface SnapshotResources {
  listeners: readonly Publishable<Listener>[];
  routes: readonly (Publishable<RouteConfiguration> | SplicedRouteConfiguration)[];
  clusters: readonly Publishable<Cluster>[];
  endpoints: readonly Publishable<ClusterLoadAssignment>[];
  secrets: readonly Publishable<Secret>[];
  /** RTDS layers; absent = none. */
  runtimes?: readonly Publishable<Runtime>[];
}

/** An item of any list of SnapshotResources. */
type Item = NonNullable<SnapshotResources[keyof SnapshotResources]>[number];

/** What one publish changed. */
export interface SnapshotChange {
  /** The snapshot version after the change. */
  readonly version: string;
  /** Names added, changed or removed, for each type that changed. */
  readonly changed: ReadonlyMap<ResourceType, ReadonlySet<string>>;
}

export interface SnapshotJsonOptions {
  /** Include secrets' contents (private keys). Off by default: debug pages must not leak keys. */
  includeSecrets?: boolean;
}

export interface SnapshotCache {
  /** Replaces every resource; returns what changed, or undefined when the content is identical. */
  publish(resources: SnapshotResources): SnapshotChange | undefined;
  /** Replaces only the ClusterLoadAssignments (EDS bypasses the build). */
  publishEndpoints(endpoints: readonly Publishable<ClusterLoadAssignment>[]): SnapshotChange | undefined;
  /**
   * Sets the given ClusterLoadAssignments and removes the named ones; every other one is left alone.
   * `list`, if the caller keeps the full list the patch leads to, is remembered as published, so
   * publishing that same array again costs nothing.
   */
  patchEndpoints(
    upserted: readonly Publishable<ClusterLoadAssignment>[],
    removed: readonly string[],
    list?: readonly Publishable<ClusterLoadAssignment>[],
  ): SnapshotChange | undefined;
  /** Snapshot version: a counter that moves only when content changes. */
  version(): string;
  /** Short hex hash over every type's names and content hashes: equal content, equal hash. */
  hash(): string;
  /** Short hex hash over one type's names and content hashes. */
  typeHash(type: ResourceType): string;
  /** The current resources of one type. */
  resources(type: ResourceType): ResourceMap;
  /** Calls the listener after every change; returns the unsubscribe function. */
  onChange(listener: (change: SnapshotChange) => void): () => void;
  /** The snapshot as canonical proto JSON (each resource as an Any with "@type", like Envoy's config_dump). */
  toJson(options?: SnapshotJsonOptions): JsonObject;
}

/** The resource types in the order their hashes are combined and their JSON is printed. */
export const allResourceTypes: readonly ResourceType[] = [
  'listener',
  'route',
  'cluster',
  'endpoint',
  'secret',
  'runtime',
];

const listKeyOfType: Record<ResourceType, keyof EnvoyResources & keyof SnapshotResources> = {
  listener: 'listeners',
  route: 'routes',
  cluster: 'clusters',
  endpoint: 'endpoints',
  secret: 'secrets',
  runtime: 'runtimes',
};

const noResources: readonly Item[] = [];

/** Creates an empty snapshot cache (version "0"). */
export const createSnapshotCache = (): SnapshotCache => {
  const current = new Map<ResourceType, Map<string, CachedResource>>(
    allResourceTypes.map((t) => [t, new Map()]),
  );
  const digests = new Map<ResourceType, TypeDigest>(allResourceTypes.map((t) => [t, createTypeDigest()]));
  const lastLists = new Map<ResourceType, readonly Item[]>();
  // Messages and spliced route configurations already encoded, so the same object is encoded once.
  const byObject = new WeakMap<object, CachedResource>();
  const routeEncoder = createRouteConfigurationEncoder();
  const listeners = new Set<(change: SnapshotChange) => void>();
  let counter = 0;
  let snapshotHash = '';

  const recomputeHash = (): void => {
    snapshotHash = shortHash(...allResourceTypes.map((t) => `${t}:${digests.get(t)!.value()}\n`));
  };
  recomputeHash();

  const entryOf = (type: ResourceType, item: Item): CachedResource => {
    if (isCachedResource(item)) {
      if (item.type !== type) throw new Error(`a ${item.type} entry published as a ${type}`);
      return item;
    }
    let entry = byObject.get(item);
    if (entry === undefined || entry.type !== type) {
      if (type !== 'route') entry = cacheResource(type, item as Message);
      else {
        const configuration = item as RouteConfiguration | SplicedRouteConfiguration;
        const encoded = routeEncoder.encode(configuration);
        entry = isSplicedRouteConfiguration(configuration)
          ? encodedResource(type, configuration.name, encoded)
          : cacheResource(type, configuration, encoded);
        routeEncoder.share(entry.name, encoded.bytes, entry.bytes);
      }
      byObject.set(item, entry);
    }
    return entry;
  };

  /** Sets one entry unless its content is unchanged (then the old entry and its bytes stay). */
  const put = (type: ResourceType, entry: CachedResource, names: Set<string>): void => {
    const resources = current.get(type)!;
    const old = resources.get(entry.name);
    if (old !== undefined && old.version === entry.version) return;
    const digest = digests.get(type)!;
    if (old !== undefined) digest.remove(old);
    digest.add(entry);
    resources.set(entry.name, entry);
    names.add(entry.name);
  };

  const remove = (type: ResourceType, name: string, names: Set<string>): void => {
    const resources = current.get(type)!;
    const old = resources.get(name);
    if (old === undefined) return;
    digests.get(type)!.remove(old);
    resources.delete(name);
    names.add(name);
    if (type === 'route') routeEncoder.forget(name);
  };

  /**
   * Makes one type hold exactly `items`, touching only entries whose content changed. Items are never
   * changed once published, so the same objects at the same ends of the previous list are unchanged
   * and skipped: a list of 10,000 clusters with one replaced costs the few items between them.
   */
  const replaceType = (
    type: ResourceType,
    items: readonly Item[],
    changed: Map<ResourceType, Set<string>>,
  ): void => {
    const previous = lastLists.get(type);
    if (previous === items) return;
    lastLists.set(type, items);
    let start = 0;
    let end = items.length;
    let previousEnd = previous?.length ?? 0;
    if (previous) {
      while (start < end && start < previousEnd && previous[start] === items[start]) start += 1;
      while (end > start && previousEnd > start && previous[previousEnd - 1] === items[end - 1]) {
        end -= 1;
        previousEnd -= 1;
      }
    }
    const names = new Set<string>();
    const present = new Set<string>();
    for (let index = start; index < end; index += 1) {
      const entry = entryOf(type, items[index]);
      present.add(entry.name);
      put(type, entry, names);
    }
    if (previous) {
      // Names are unique in a list, so only the previous list's middle can hold a name now gone.
      for (let index = start; index < previousEnd; index += 1) {
        const name = entryOf(type, previous[index]).name;
        if (!present.has(name)) remove(type, name, names);
      }
    } else {
      for (const name of current.get(type)!.keys()) if (!present.has(name)) remove(type, name, names);
    }
    if (names.size > 0) changed.set(type, names);
  };

  const finish = (changed: Map<ResourceType, Set<string>>): SnapshotChange | undefined => {
    if (changed.size === 0) return undefined;
    counter += 1;
    recomputeHash();
    const change: SnapshotChange = { version: String(counter), changed };
    for (const listener of [...listeners]) listener(change);
    return change;
  };

  return {
    publish: (resources) => {
      const changed = new Map<ResourceType, Set<string>>();
      for (const type of allResourceTypes)
        replaceType(type, resources[listKeyOfType[type]] ?? noResources, changed);
      return finish(changed);
    },
    publishEndpoints: (endpoints) => {
      const changed = new Map<ResourceType, Set<string>>();
      replaceType('endpoint', endpoints, changed);
      return finish(changed);
    },
    patchEndpoints: (upserted, removed, list) => {
      // Without the caller's list, the next full list must be compared name by name again.
      if (list) lastLists.set('endpoint', list);
      else lastLists.delete('endpoint');
      const names = new Set<string>();
      for (const assignment of upserted) put('endpoint', entryOf('endpoint', assignment), names);
      for (const name of removed) remove('endpoint', name, names);
      return finish(names.size > 0 ? new Map([['endpoint', names]]) : new Map<ResourceType, Set<string>>());
    },
    version: () => String(counter),
    hash: () => snapshotHash,
    typeHash: (type) => digests.get(type)!.value(),
    resources: (type) => current.get(type)!,
    onChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    toJson: (options = {}) => {
      const out: JsonObject = { version: String(counter), hash: snapshotHash };
      for (const type of allResourceTypes) {
        const entries = [...current.get(type)!.values()].sort((a, b) =>
          a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
        );
        out[listKeyOfType[type]] = entries.map((entry) => resourceJson(entry, options));
      }
      return out;
    },
  };
};

const resourceJson = (entry: CachedResource, options: SnapshotJsonOptions): JsonValue => {
  if (entry.type === 'secret' && options.includeSecrets !== true) {
    return {
      name: entry.name,
      version: entry.version,
      resource: { '@type': typeUrls.secret, redacted: true },
    };
  }
  let resource: JsonValue;
  try {
    const fields = toJson(resourceSchemas[entry.type], entry.message, {
      registry: envoyRegistry,
    }) as JsonObject;
    resource = { '@type': typeUrls[entry.type], ...fields };
  } catch (error) {
    // A type missing from the registry must not break the debug page.
    resource = {
      '@type': typeUrls[entry.type],
      error: error instanceof Error ? error.message : String(error),
    };
  }
  return { name: entry.name, version: entry.version, resource };
};
