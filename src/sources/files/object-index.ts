// Which file serves which object, and what the sink holds: turns "file F now serves these objects" into
// the store events that follow, touching only the objects F served before or serves now.
import { createHash } from 'node:crypto';
import { refOf, type KubeObject } from '../../apis/meta.js';
import type { StoreEvent } from '../../store/store.js';

/** The content identity of an object: a hash of its serialization (never a deep comparison, which
 * aliased YAML nodes make exponential; parse.ts bounds their expansion, so serializing is bounded). */
const fingerprintOf = (object: KubeObject): string =>
  createHash('sha256').update(JSON.stringify(object)).digest('base64');

interface Delivered {
  object: KubeObject;
  /** Computed when first needed: the first delivery of an object compares with nothing. */
  fingerprint?: string;
}

/** The outcome of an update: events for the sink, and objects defined by more than one file. */
export interface IndexUpdate {
  events: StoreEvent[];
  /** Object key → the files defining it, sorted (the last one wins). */
  duplicates: Map<string, string[]>;
}

export interface ObjectIndex {
  /** Records what each changed path serves now (undefined: nothing, the file is gone). */
  update(changes: ReadonlyMap<string, ReadonlyMap<string, KubeObject> | undefined>): IndexUpdate;
  /** Objects currently delivered. */
  size(): number;
}

/** Creates an empty index: nothing served, nothing delivered. */
export const createObjectIndex = (): ObjectIndex => {
  const servedBy = new Map<string, ReadonlyMap<string, KubeObject>>();
  const definers = new Map<string, Set<string>>();
  const delivered = new Map<string, Delivered>();

  return {
    update(changes) {
      const affected = new Set<string>();
      for (const [path, next] of changes) {
        const before = servedBy.get(path);
        if (before === next) continue;
        for (const key of before?.keys() ?? []) {
          definers.get(key)?.delete(path);
          affected.add(key);
        }
        for (const key of next?.keys() ?? []) {
          let paths = definers.get(key);
          if (!paths) definers.set(key, (paths = new Set()));
          paths.add(path);
          affected.add(key);
        }
        if (next) servedBy.set(path, next);
        else servedBy.delete(path);
      }
      const events: StoreEvent[] = [];
      const duplicates = new Map<string, string[]>();
      for (const key of [...affected].sort()) {
        const paths = definers.get(key);
        const previous = delivered.get(key);
        if (!paths || paths.size === 0) {
          definers.delete(key);
          if (previous) {
            delivered.delete(key);
            events.push({ type: 'delete', ref: refOf(previous.object) });
          }
          continue;
        }
        // Later files (in sorted path order) win when two files define the same object.
        const sorted = [...paths].sort();
        if (sorted.length > 1) duplicates.set(key, sorted);
        const object = servedBy.get(sorted[sorted.length - 1])!.get(key)!;
        if (previous?.object === object) continue;
        const current: Delivered = { object };
        if (previous) {
          previous.fingerprint ??= fingerprintOf(previous.object);
          current.fingerprint = fingerprintOf(object);
          if (previous.fingerprint === current.fingerprint) {
            delivered.set(key, current);
            continue;
          }
        }
        delivered.set(key, current);
        events.push({ type: 'upsert', object });
      }
      return { events, duplicates };
    },
    size: () => delivered.size,
  };
};
