// The reference index: which build units read which objects. A unit records every object it looked up
// (found or not) and every kind it listed; an event then finds the affected units in O(1) instead of
// scanning every routing object.
import type { ObjectRef } from '../apis/meta.js';
import { objectKey } from '../apis/meta.js';
import { multisetAdd, multisetRemove, multisetValues, type SmallMultiset } from './small-multiset.js';
import type { StoreView } from './store.js';

/** What one reader (a build unit) read from the store. */
export interface ReadSet {
  /** Object keys (`kind/namespace/name`) looked up with get(), whether or not they existed. */
  objects: Set<string>;
  /** Kinds read as a whole with list(). */
  kinds: Set<string>;
}

/** An index from objects and kinds to the readers that depend on them. */
export interface ReferenceIndex<Reader> {
  /** Replaces what `reader` depends on. */
  set(reader: Reader, reads: ReadSet): void;
  /** Forgets a reader. */
  remove(reader: Reader): void;
  /** The readers that read this object (by key) or its whole kind. */
  readersOf(ref: ObjectRef): Set<Reader>;
  /** Number of readers indexed. */
  size(): number;
}

/** What the index keeps of a ReadSet: arrays (a Set per reader was ~4 MB of hash tables at 10,000 units). */
interface Reads {
  objects: readonly string[];
  kinds: readonly string[];
}

const none: readonly string[] = [];

/** Creates an empty reference index. */
export const createReferenceIndex = <Reader>(): ReferenceIndex<Reader> => {
  // Each reader is in a key's multiset at most once: set() removes a reader's reads before adding.
  const byObject = new Map<string, SmallMultiset<Reader>>();
  const byKind = new Map<string, SmallMultiset<Reader>>();
  const readsOf = new Map<Reader, Reads>();

  const add = (index: Map<string, SmallMultiset<Reader>>, key: string, reader: Reader): void => {
    index.set(key, multisetAdd(index.get(key), reader));
  };
  const drop = (index: Map<string, SmallMultiset<Reader>>, key: string, reader: Reader): void => {
    const readers = multisetRemove(index.get(key), reader);
    if (readers === undefined) index.delete(key);
    else index.set(key, readers);
  };
  const remove = (reader: Reader): void => {
    const reads = readsOf.get(reader);
    if (!reads) return;
    for (const key of reads.objects) drop(byObject, key, reader);
    for (const kind of reads.kinds) drop(byKind, kind, reader);
    readsOf.delete(reader);
  };

  return {
    set(reader, reads) {
      remove(reader);
      readsOf.set(reader, {
        objects: reads.objects.size > 0 ? [...reads.objects] : none,
        kinds: reads.kinds.size > 0 ? [...reads.kinds] : none,
      });
      for (const key of reads.objects) add(byObject, key, reader);
      for (const kind of reads.kinds) add(byKind, kind, reader);
    },
    remove,
    readersOf(ref) {
      const readers = new Set(multisetValues(byObject.get(objectKey(ref))));
      for (const reader of multisetValues(byKind.get(ref.kind))) readers.add(reader);
      return readers;
    },
    size: () => readsOf.size,
  };
};

/**
 * A view of `store` that records what is read into `reads`. The kinds in `scoped` are answered from
 * the given lists instead of the store (a build unit sees only its own routing objects) and are not
 * recorded: the unit graph, not the index, tracks them.
 */
export const recordingView = (
  store: StoreView,
  reads: ReadSet,
  scoped: ReadonlyMap<string, readonly unknown[]>,
): StoreView => ({
  get(kind, namespace, name) {
    reads.objects.add(`${kind}/${namespace}/${name}`);
    return store.get(kind, namespace, name);
  },
  list<T>(kind: string): T[] {
    const own = scoped.get(kind);
    if (own) return own as T[];
    reads.kinds.add(kind);
    return store.list(kind) as T[];
  },
});
