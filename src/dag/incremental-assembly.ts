// Assembling the whole build result from per-unit results without re-sorting everything: each part
// of the DAG is kept as a sorted key/value array updated by binary search when one unit comes or goes.
import type { ObjectStatus } from '../apis/status.js';
import type { BuildResult } from './build.js';
import { compareStrings } from './names.js';
import type { Cluster, SecureVirtualHost, TlsSecret, VirtualHost } from './types.js';

/** A map kept sorted by key (plain string order, as compareStrings), with reference counts per key. */
interface SortedCountedMap<V> {
  add(key: string, value: V): void;
  remove(key: string): void;
  /** The values in key order (a fresh array whenever something changed since the last call). */
  values(): V[];
}

/**
 * `sameKeySameContent`: equal keys carry equal content (cluster and secret names hash their content),
 * so a key removed and added back by one rebuild keeps its old value and the list stays the same array.
 */
const createSortedCountedMap = <V>(sameKeySameContent = false): SortedCountedMap<V> => {
  let keys: string[] = [];
  let values: V[] = [];
  let counts: number[] = [];
  // Keys whose count dropped to 0 since the last values(): dropped there, unless added back before.
  // A unit rebuild removes all its keys and adds them again; most come back.
  const vacant = new Set<string>();
  // Keys added since the last values(), merged in one sorted pass there: inserting 10,000 hosts one
  // splice at a time at start-up moved O(n²) elements.
  const pending = new Map<string, { value: V; count: number }>();
  let snapshot: V[] | undefined;

  // Index of the first key >= key.
  const search = (key: string): number => {
    let low = 0;
    let high = keys.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (keys[middle] < key) low = middle + 1;
      else high = middle;
    }
    return low;
  };

  const mergePending = (): void => {
    const added = [...pending.keys()].sort(compareStrings);
    const mergedKeys: string[] = [];
    const mergedValues: V[] = [];
    const mergedCounts: number[] = [];
    let old = 0;
    for (const key of added) {
      while (old < keys.length && keys[old] < key) {
        mergedKeys.push(keys[old]);
        mergedValues.push(values[old]);
        mergedCounts.push(counts[old]);
        old++;
      }
      const entry = pending.get(key);
      if (!entry) continue;
      mergedKeys.push(key);
      mergedValues.push(entry.value);
      mergedCounts.push(entry.count);
    }
    for (; old < keys.length; old++) {
      mergedKeys.push(keys[old]);
      mergedValues.push(values[old]);
      mergedCounts.push(counts[old]);
    }
    keys = mergedKeys;
    values = mergedValues;
    counts = mergedCounts;
    pending.clear();
  };

  const dropVacant = (): void => {
    if (vacant.size < 16) {
      for (const key of vacant) {
        const at = search(key);
        keys.splice(at, 1);
        values.splice(at, 1);
        counts.splice(at, 1);
      }
    } else {
      // Many at once (a namespace deleted): one pass rather than a splice each.
      const kept = keys.map((key) => !vacant.has(key));
      keys = keys.filter((_, index) => kept[index]);
      values = values.filter((_, index) => kept[index]);
      counts = counts.filter((_, index) => kept[index]);
    }
    vacant.clear();
    snapshot = undefined;
  };

  return {
    add(key, value) {
      const at = search(key);
      if (keys[at] === key && vacant.has(key)) {
        vacant.delete(key);
        counts[at] = 1;
        if (values[at] !== value && !sameKeySameContent) {
          values[at] = value;
          snapshot = undefined;
        }
        return;
      }
      if (keys[at] === key) {
        // Equal names carry equal content (names hash their settings); keep the first, count the use.
        counts[at] += 1;
        return;
      }
      const waiting = pending.get(key);
      if (waiting) waiting.count += 1;
      else pending.set(key, { value, count: 1 });
      snapshot = undefined;
    },
    remove(key) {
      const waiting = pending.get(key);
      if (waiting) {
        waiting.count -= 1;
        if (waiting.count === 0) pending.delete(key);
        snapshot = undefined;
        return;
      }
      const at = search(key);
      if (keys[at] !== key || vacant.has(key)) return;
      counts[at] -= 1;
      if (counts[at] > 0) return;
      vacant.add(key);
    },
    values: () => {
      if (vacant.size > 0) dropVacant();
      if (pending.size > 0) mergePending();
      return (snapshot ??= values.slice());
    },
  };
};

/** The sort key of a status: kind, namespace, name (NUL sorts below every character they may hold). */
const statusKey = (status: ObjectStatus): string => `${status.kind}\0${status.namespace}\0${status.name}`;

/** The whole build result, maintained from unit results as they are added and removed. */
export interface Assembly {
  add(result: BuildResult): void;
  remove(result: BuildResult): void;
  /** The current whole result; the same object until the next add or remove. */
  result(): BuildResult;
}

/** Creates an empty assembly. */
export const createAssembly = (): Assembly => {
  const http = createSortedCountedMap<VirtualHost>();
  const https = createSortedCountedMap<SecureVirtualHost>();
  const clusters = createSortedCountedMap<Cluster>(true);
  const secrets = createSortedCountedMap<TlsSecret>(true);
  const statuses = createSortedCountedMap<ObjectStatus>();
  let current: BuildResult | undefined;

  const apply = (result: BuildResult, adding: boolean): void => {
    const { dag } = result;
    current = undefined;
    if (adding) {
      for (const host of dag.httpVirtualHosts) http.add(host.fqdn, host);
      for (const host of dag.httpsVirtualHosts) https.add(host.fqdn, host);
      for (const cluster of dag.clusters) clusters.add(cluster.name, cluster);
      for (const secret of dag.secrets) secrets.add(secret.name, secret);
      for (const status of result.statuses) statuses.add(statusKey(status), status);
    } else {
      for (const host of dag.httpVirtualHosts) http.remove(host.fqdn);
      for (const host of dag.httpsVirtualHosts) https.remove(host.fqdn);
      for (const cluster of dag.clusters) clusters.remove(cluster.name);
      for (const secret of dag.secrets) secrets.remove(secret.name);
      for (const status of result.statuses) statuses.remove(statusKey(status));
    }
  };

  return {
    add: (result) => apply(result, true),
    remove: (result) => apply(result, false),
    result: () =>
      (current ??= {
        dag: {
          httpVirtualHosts: http.values(),
          httpsVirtualHosts: https.values(),
          clusters: clusters.values(),
          secrets: secrets.values(),
        },
        statuses: statuses.values(),
      }),
  };
};
