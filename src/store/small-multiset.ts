// A multiset kept as a plain array while it is small and as counts in a Map beyond that. The
// incremental build keeps one per graph node and per object read (~50,000 at 10,000 proxies), almost
// all with one or two values: as Maps and Sets their hash tables were ~8 MB of heap.

/** Values with multiplicity; `undefined` is the empty multiset. */
export type SmallMultiset<T> = T[] | Map<T, number>;

// Beyond this many values an array's linear removal gives way to a Map.
const largestArray = 8;

/** Adds one occurrence of `value`; returns the multiset to keep (the same one, or a Map replacing an array). */
export const multisetAdd = <T>(set: SmallMultiset<T> | undefined, value: T): SmallMultiset<T> => {
  if (set === undefined) return [value];
  if (Array.isArray(set)) {
    if (set.length < largestArray) {
      set.push(value);
      return set;
    }
    const counts = new Map<T, number>();
    for (const item of set) counts.set(item, (counts.get(item) ?? 0) + 1);
    set = counts;
  }
  set.set(value, (set.get(value) ?? 0) + 1);
  return set;
};

/** Removes one occurrence of `value` (if present); returns the multiset to keep, or undefined once empty. */
export const multisetRemove = <T>(
  set: SmallMultiset<T> | undefined,
  value: T,
): SmallMultiset<T> | undefined => {
  if (set === undefined) return undefined;
  if (Array.isArray(set)) {
    const at = set.indexOf(value);
    if (at >= 0) {
      set[at] = set[set.length - 1];
      set.pop();
    }
    return set.length > 0 ? set : undefined;
  }
  const count = set.get(value);
  if (count === undefined) return set;
  if (count > 1) set.set(value, count - 1);
  else set.delete(value);
  return set.size > 0 ? set : undefined;
};

/** Every value present, in no particular order; a value with several occurrences may be repeated. */
export const multisetValues = <T>(set: SmallMultiset<T> | undefined): Iterable<T> =>
  set === undefined ? [] : Array.isArray(set) ? set : set.keys();
