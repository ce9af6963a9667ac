// The snapshot cache: the current Envoy resources per xDS type, versioned by content.
// Published messages are treated as immutable: the same object published again is not re-encoded.
import { toJson, type JsonObject, type JsonValue, type Message } from '@bufbuild/protobuf';
import type { ClusterLoadAssignment } from '../../gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { typeUrls, type EnvoyResources, type ResourceType } from '../../envoy/resources.js';
import { cacheResource, resourceSchemas, shortHash, type CachedResource } from './cached-resource.js';
import { envoyRegistry } from '../../envoy/registry.js';

/** The resources of one type, by name. Never mutated: each change publishes a new map. */
export type ResourceMap = ReadonlyMap<string, CachedResource>;

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
  publish(resources: EnvoyResources): SnapshotChange | undefined;
  /** Replaces only the ClusterLoadAssignments (EDS bypasses the build). */
  publishEndpoints(endpoints: readonly ClusterLoadAssignment[]): SnapshotChange | undefined;
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
];

const listKeyOfType: Record<ResourceType, keyof EnvoyResources> = {
  listener: 'listeners',
  route: 'routes',
  cluster: 'clusters',
  endpoint: 'endpoints',
  secret: 'secrets',
};

const hashOfType = (resources: ResourceMap): string => {
  const lines = [...resources.values()].map((r) => `${r.name}\0${r.version}\n`).sort();
  return shortHash(...lines);
};

/** Creates an empty snapshot cache (version "0"). */
export const createSnapshotCache = (): SnapshotCache => {
  const current = new Map<ResourceType, ResourceMap>(allResourceTypes.map((t) => [t, new Map()]));
  const typeHashes = new Map<ResourceType, string>(allResourceTypes.map((t) => [t, hashOfType(new Map())]));
  const byObject = new WeakMap<Message, CachedResource>();
  const listeners = new Set<(change: SnapshotChange) => void>();
  let counter = 0;
  let snapshotHash = '';

  const recomputeHash = (): void => {
    snapshotHash = shortHash(...allResourceTypes.map((t) => `${t}:${typeHashes.get(t)}\n`));
  };
  recomputeHash();

  /** Builds the new map of one type, reusing entries whose content is unchanged; records changed names. */
  const replaceType = (
    type: ResourceType,
    messages: readonly Message[],
    changed: Map<ResourceType, Set<string>>,
  ) => {
    const previous = current.get(type)!;
    const next = new Map<string, CachedResource>();
    for (const message of messages) {
      let entry = byObject.get(message);
      if (entry === undefined || entry.type !== type) {
        entry = cacheResource(type, message);
        byObject.set(message, entry);
      }
      const old = previous.get(entry.name);
      // Keep the old entry (and its encoded bytes) when only the object, not the content, is new.
      next.set(entry.name, old !== undefined && old.version === entry.version ? old : entry);
    }
    const names = new Set<string>();
    for (const [name, entry] of next) if (previous.get(name)?.version !== entry.version) names.add(name);
    for (const name of previous.keys()) if (!next.has(name)) names.add(name);
    if (names.size === 0) return;
    changed.set(type, names);
    current.set(type, next);
    typeHashes.set(type, hashOfType(next));
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
      for (const type of allResourceTypes) replaceType(type, resources[listKeyOfType[type]], changed);
      return finish(changed);
    },
    publishEndpoints: (endpoints) => {
      const changed = new Map<ResourceType, Set<string>>();
      replaceType('endpoint', endpoints, changed);
      return finish(changed);
    },
    version: () => String(counter),
    hash: () => snapshotHash,
    typeHash: (type) => typeHashes.get(type)!,
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
