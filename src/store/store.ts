// The store: the current objects by kind, owned by the event loop (its single writer).
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject, ObjectRef } from '../apis/meta.js';
import { compactObject } from './compact.js';

/** A change delivered by a source. */
export type StoreEvent = { type: 'upsert'; object: KubeObject } | { type: 'delete'; ref: ObjectRef };

/** Read access to the store, as the build stage sees it. */
export interface StoreView {
  /** The object of that kind, namespace and name, if present. */
  get<T extends KubeObject = KubeObject>(kind: string, namespace: string, name: string): T | undefined;
  /** Every object of a kind, sorted by namespace then name. */
  list<T extends KubeObject = KubeObject>(kind: string): T[];
}

/** The mutable store. */
export interface Store extends StoreView {
  /** Applies one event; returns whether the stored state changed. */
  apply(event: StoreEvent): boolean;
  /** Number of objects held, by kind. */
  counts(): Record<string, number>;
  /** Number of objects of one kind held. */
  size(kind: string): number;
}

const nameKey = (namespace: string, name: string): string => `${namespace}/${name}`;

/** Creates an empty store. */
export const createStore = (): Store => {
  const byKind = new Map<string, Map<string, KubeObject>>();
  // Sorted lists are cached per kind and dropped when that kind changes.
  const sortedCache = new Map<string, KubeObject[]>();

  const bucket = (kind: string): Map<string, KubeObject> => {
    let objects = byKind.get(kind);
    if (!objects) {
      objects = new Map();
      byKind.set(kind, objects);
    }
    return objects;
  };

  return {
    get<T extends KubeObject>(kind: string, namespace: string, name: string): T | undefined {
      return byKind.get(kind)?.get(nameKey(namespace, name)) as T | undefined;
    },
    list<T extends KubeObject>(kind: string): T[] {
      let sorted = sortedCache.get(kind);
      if (!sorted) {
        const objects = byKind.get(kind);
        sorted = objects
          ? [...objects.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, o]) => o)
          : [];
        sortedCache.set(kind, sorted);
      }
      return sorted as T[];
    },
    apply(event: StoreEvent): boolean {
      if (event.type === 'delete') {
        const { kind, namespace, name } = event.ref;
        const removed = byKind.get(kind)?.delete(nameKey(namespace, name)) ?? false;
        if (removed) sortedCache.delete(kind);
        return removed;
      }
      const object = compactObject(event.object);
      const objects = bucket(object.kind);
      const key = nameKey(object.metadata.namespace ?? '', object.metadata.name);
      const previous = objects.get(key);
      if (previous && isDeepStrictEqual(withoutVersion(previous), withoutVersion(object))) {
        objects.set(key, object);
        return false;
      }
      objects.set(key, object);
      sortedCache.delete(object.kind);
      return true;
    },
    size(kind: string): number {
      return byKind.get(kind)?.size ?? 0;
    },
    counts(): Record<string, number> {
      const counts: Record<string, number> = {};
      for (const [kind, objects] of [...byKind.entries()].sort()) counts[kind] = objects.size;
      return counts;
    },
  };
};

// resourceVersion changes on every write (including our own status writes); it is not content.
const withoutVersion = (object: KubeObject): unknown => ({
  ...object,
  metadata: { ...object.metadata, resourceVersion: undefined },
  status: undefined,
});
