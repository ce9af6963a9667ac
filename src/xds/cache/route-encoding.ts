// RouteConfigurations encoded from per-virtual-host pieces. `ingress_http` holds every plaintext
// virtual host (thousands); an edit changes one of them, so encoding (and walking for references)
// the whole message per edit is O(N) work on the event loop. Protobuf's wire format lets a message
// be written as the concatenation of its fields' records, so the encoding here is: the name field,
// then one `virtual_hosts = 2` record per virtual host, then the remaining fields. Each host is
// encoded once (`encodeVirtualHost`); a large configuration's next version copies the unchanged
// hosts' bytes from its previous version in whole runs and updates reference counts from the hosts
// that changed. A configuration comes either as a message (its hosts' encodings are remembered per
// VirtualHost message) or spliced: its hosts already encoded, which is how the incremental engine
// hands them over so that no VirtualHost message outlives its encoding. The bytes are identical to
// `toBinary` of the whole message (checked at first use against protobuf-es, and by
// test/xds/route-encoding.test.ts), so versions do not change.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  RouteConfigurationSchema,
  type RouteConfiguration,
} from '../../gen/envoy/config/route/v3/route_pb.js';
import { VirtualHostSchema, type VirtualHost } from '../../gen/envoy/config/route/v3/route_components_pb.js';
import type { ResourceType } from '../../envoy/resources.js';
import { findReferences, type References } from './references.js';
import { concatBytes, lengthDelimitedField } from './wire.js';

/** A resource's encoding and the names it refers to. */
export interface EncodedResource {
  readonly bytes: Uint8Array;
  readonly references: References;
}

/** A virtual host encoded as one record of a RouteConfiguration, and the names it refers to. */
export interface EncodedVirtualHost {
  readonly name: string;
  /** The host as one `virtual_hosts = 2` field record. */
  readonly record: Uint8Array;
  readonly references: References;
}

/**
 * A RouteConfiguration whose virtual hosts are already encoded. Hosts are matched between versions by
 * identity, so an unchanged host must be handed over as the same EncodedVirtualHost object.
 */
export interface SplicedRouteConfiguration {
  readonly name: string;
  /** Every other field; its own `virtualHosts` are ignored. */
  readonly shell: RouteConfiguration;
  readonly virtualHosts: readonly EncodedVirtualHost[];
}

/** Whether a route configuration is given spliced rather than as a message. */
export const isSplicedRouteConfiguration = (
  configuration: RouteConfiguration | SplicedRouteConfiguration,
): configuration is SplicedRouteConfiguration => 'shell' in configuration;

/** Encodes one virtual host as a RouteConfiguration record. */
export const encodeVirtualHost = (host: VirtualHost): EncodedVirtualHost => ({
  name: host.name,
  record: lengthDelimitedField(2, toBinary(VirtualHostSchema, host)),
  references: findReferences(VirtualHostSchema, host),
});

/** Encodes RouteConfigurations, reusing the pieces of virtual hosts it has seen before. */
export interface RouteConfigurationEncoder {
  encode(configuration: RouteConfiguration | SplicedRouteConfiguration): EncodedResource;
  /** Drops what is kept for a configuration name that left the snapshot. */
  forget(name: string): void;
  /**
   * Says that `bytes`, what encode() last returned for `name`, is also held in `copy` (the cache entry's
   * buffer): the encoder then keeps that copy rather than a second 2 MB one for `ingress_http`.
   */
  share(name: string, bytes: Uint8Array, copy: Uint8Array): void;
}

/**
 * The previous version of a large configuration: its hosts, its bytes and where each host's record
 * lies in them, and its hosts' reference counts. The next version is encoded as a diff against it.
 */
interface PreviousVersion {
  hosts: readonly EncodedVirtualHost[];
  bytes: Uint8Array;
  /** Offset of the first host record in `bytes`. */
  recordsAt: number;
  /** offsets[i]: start of host i's record, relative to recordsAt; offsets[hosts.length]: their end. */
  offsets: Float64Array;
  counts: Map<ResourceType, Map<string, number>>;
  sorted: Partial<Record<ResourceType, readonly string[]>>;
}

// Configurations with fewer hosts than this are encoded from their hosts' records directly; larger
// ones as a diff against their previous version.
const incrementalReferencesFrom = 64;

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Index of `name` in a sorted list, or -(insertion point) - 1. */
const search = (list: readonly string[], name: string): number => {
  let low = 0;
  let high = list.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const order = compare(list[middle], name);
    if (order === 0) return middle;
    if (order < 0) low = middle + 1;
    else high = middle - 1;
  }
  return -low - 1;
};

/** The union of several reference sets, each list sorted and unique. */
export const unionReferences = (sets: readonly References[]): References => {
  const found: Partial<Record<ResourceType, Set<string>>> = {};
  for (const references of sets) {
    for (const [type, names] of Object.entries(references) as [ResourceType, readonly string[]][]) {
      const set = (found[type] ??= new Set());
      for (const name of names) set.add(name);
    }
  }
  const union: Partial<Record<ResourceType, readonly string[]>> = {};
  for (const [type, names] of Object.entries(found) as [ResourceType, Set<string>][]) {
    union[type] = [...names].sort(compare);
  }
  return union;
};

/** The bytes of `configuration` with its virtual hosts left out, and where their records go. */
const encodeShell = (configuration: RouteConfiguration): { bytes: Uint8Array; hostsAt: number } => {
  const bytes = toBinary(RouteConfigurationSchema, { ...configuration, virtualHosts: [] });
  // protobuf-es writes fields in declaration order: name (1), then virtual_hosts (2), then the rest.
  const hostsAt =
    configuration.name === ''
      ? 0
      : lengthDelimitedField(1, new TextEncoder().encode(configuration.name)).length;
  return { bytes, hostsAt };
};

let splicingVerified: boolean | undefined;

/** Whether spliced encodings equal protobuf-es's own for this build of protobuf-es (checked once). */
const splicingMatchesToBinary = (): boolean => {
  if (splicingVerified !== undefined) return splicingVerified;
  const sample = create(RouteConfigurationSchema, {
    name: 'check',
    virtualHosts: [create(VirtualHostSchema, { name: 'a', domains: ['a'] })],
    internalOnlyHeaders: ['x-check'],
    ignorePortInHostMatching: true,
  });
  const shell = encodeShell(sample);
  const record = lengthDelimitedField(2, toBinary(VirtualHostSchema, sample.virtualHosts[0]));
  const spliced = concatBytes([
    shell.bytes.subarray(0, shell.hostsAt),
    record,
    shell.bytes.subarray(shell.hostsAt),
  ]);
  const expected = toBinary(RouteConfigurationSchema, sample);
  splicingVerified =
    spliced.length === expected.length && spliced.every((byte, index) => byte === expected[index]);
  return splicingVerified;
};

/** The whole message of a spliced configuration (only where splicing cannot be trusted). */
const joined = (configuration: SplicedRouteConfiguration): RouteConfiguration => {
  const records = concatBytes(configuration.virtualHosts.map((host) => host.record));
  return create(RouteConfigurationSchema, {
    ...configuration.shell,
    virtualHosts: fromBinary(RouteConfigurationSchema, records).virtualHosts,
  });
};

/** Host record bytes of a new version: ranges copied from the previous bytes, or new records. */
type Segment = { from: number; to: number } | Uint8Array;

/** Creates an encoder; its caches live as long as it does (one per snapshot cache). */
export const createRouteConfigurationEncoder = (): RouteConfigurationEncoder => {
  const pieces = new WeakMap<VirtualHost, EncodedVirtualHost>();
  const previousVersions = new Map<string, PreviousVersion>();

  const pieceOf = (host: VirtualHost): EncodedVirtualHost => {
    let piece = pieces.get(host);
    if (piece === undefined) {
      piece = encodeVirtualHost(host);
      pieces.set(host, piece);
    }
    return piece;
  };

  const splice = (configuration: RouteConfiguration): SplicedRouteConfiguration => ({
    name: configuration.name,
    shell: configuration,
    virtualHosts: configuration.virtualHosts.map(pieceOf),
  });

  /**
   * Walks the previous and the new host lists together. Hosts that are the same object as in the
   * previous version keep their bytes (copied as whole runs); the others are removed or added. With
   * lists sorted by name (as translate makes them) this finds exactly the changed hosts; with any
   * other order it is still correct (every host is matched, removed or added exactly once), only slower.
   */
  const diff = (previous: PreviousVersion, hosts: readonly EncodedVirtualHost[]) => {
    const old = previous.hosts;
    const segments: Segment[] = [];
    const removed: EncodedVirtualHost[] = [];
    const added: EncodedVirtualHost[] = [];
    const offsets = new Float64Array(hosts.length + 1);
    let position = 0;
    let runStart = -1;
    let i = 0;
    let j = 0;
    const endRun = (): void => {
      if (runStart < 0) return;
      segments.push({ from: previous.offsets[runStart], to: previous.offsets[i] });
      runStart = -1;
    };
    const add = (host: EncodedVirtualHost): void => {
      const record = host.record;
      segments.push(record);
      added.push(host);
      offsets[j] = position;
      position += record.length;
      j++;
    };
    while (i < old.length || j < hosts.length) {
      const before = i < old.length ? old[i] : undefined;
      const after = j < hosts.length ? hosts[j] : undefined;
      if (before !== undefined && before === after) {
        if (runStart < 0) runStart = i;
        offsets[j] = position;
        position += previous.offsets[i + 1] - previous.offsets[i];
        i++;
        j++;
        continue;
      }
      endRun();
      if (after === undefined || (before !== undefined && before.name <= after.name)) {
        removed.push(before!);
        i++;
        // Same name, new object: the host changed.
        if (after !== undefined && before!.name === after.name) add(after);
      } else {
        add(after);
      }
    }
    endRun();
    offsets[hosts.length] = position;
    return { segments, removed, added, offsets, length: position };
  };

  /** Applies removed and added hosts to the reference counts; returns the new sorted lists. */
  const updateReferences = (
    previous: Pick<PreviousVersion, 'counts' | 'sorted'>,
    removed: readonly EncodedVirtualHost[],
    added: readonly EncodedVirtualHost[],
  ): Partial<Record<ResourceType, readonly string[]>> => {
    const touched = new Map<ResourceType, Set<string>>();
    const adjust = (references: References, delta: 1 | -1): void => {
      for (const [type, names] of Object.entries(references) as [ResourceType, readonly string[]][]) {
        let counts = previous.counts.get(type);
        if (counts === undefined) previous.counts.set(type, (counts = new Map<string, number>()));
        let changed = touched.get(type);
        if (changed === undefined) touched.set(type, (changed = new Set()));
        for (const referenced of names) {
          const count = (counts.get(referenced) ?? 0) + delta;
          if (count === 0) counts.delete(referenced);
          else counts.set(referenced, count);
          changed.add(referenced);
        }
      }
    };
    for (const host of added) adjust(host.references, 1);
    for (const host of removed) adjust(host.references, -1);
    // The previous lists belong to the previous version's cache entry: copy before changing.
    const sorted = { ...previous.sorted };
    for (const [type, names] of touched) {
      const counts = previous.counts.get(type)!;
      if (names.size > 64) {
        // Many at once (the first version): sort once rather than insert one by one.
        if (counts.size > 0) sorted[type] = [...counts.keys()].sort(compare);
        else delete sorted[type];
        continue;
      }
      let list: string[] | undefined;
      for (const referenced of names) {
        const current = list ?? sorted[type] ?? [];
        const at = search(current, referenced);
        const present = counts.has(referenced);
        if (present === at >= 0) continue;
        list ??= [...current];
        if (present) list.splice(-at - 1, 0, referenced);
        else list.splice(at, 1);
      }
      if (list === undefined) continue;
      if (list.length > 0) sorted[type] = list;
      else delete sorted[type];
    }
    return sorted;
  };

  const emptyVersion = (): PreviousVersion => ({
    hosts: [],
    bytes: new Uint8Array(0),
    recordsAt: 0,
    offsets: new Float64Array(1),
    counts: new Map(),
    sorted: {},
  });

  /** Encodes a large configuration as a diff against its previous version, which it then replaces. */
  const encodeLarge = (
    configuration: SplicedRouteConfiguration,
    prefix: Uint8Array,
    suffix: Uint8Array,
  ): EncodedResource => {
    const previous = previousVersions.get(configuration.name) ?? emptyVersion();
    const hosts = configuration.virtualHosts;
    const change = diff(previous, hosts);
    const bytes = new Uint8Array(prefix.length + change.length + suffix.length);
    bytes.set(prefix, 0);
    let cursor = prefix.length;
    for (const segment of change.segments) {
      if (segment instanceof Uint8Array) {
        bytes.set(segment, cursor);
        cursor += segment.length;
      } else {
        const from = previous.recordsAt + segment.from;
        bytes.set(previous.bytes.subarray(from, previous.recordsAt + segment.to), cursor);
        cursor += segment.to - segment.from;
      }
    }
    bytes.set(suffix, cursor);
    const sorted = updateReferences(previous, change.removed, change.added);
    previousVersions.set(configuration.name, {
      hosts,
      bytes,
      recordsAt: prefix.length,
      offsets: change.offsets,
      counts: previous.counts,
      sorted,
    });
    return { bytes, references: sorted };
  };

  return {
    encode: (given) => {
      if (!splicingMatchesToBinary()) {
        const message = isSplicedRouteConfiguration(given) ? joined(given) : given;
        return {
          bytes: toBinary(RouteConfigurationSchema, message),
          references: findReferences(RouteConfigurationSchema, message),
        };
      }
      const configuration = isSplicedRouteConfiguration(given) ? given : splice(given);
      const hosts = configuration.virtualHosts;
      const shell = encodeShell(configuration.shell);
      const prefix = shell.bytes.subarray(0, shell.hostsAt);
      const suffix = shell.bytes.subarray(shell.hostsAt);
      const shellReferences = findReferences(RouteConfigurationSchema, {
        ...configuration.shell,
        virtualHosts: [],
      });
      if (hosts.length >= incrementalReferencesFrom) {
        const { bytes, references } = encodeLarge(configuration, prefix, suffix);
        return {
          bytes,
          references:
            Object.keys(shellReferences).length === 0
              ? references
              : unionReferences([references, shellReferences]),
        };
      }
      previousVersions.delete(configuration.name);
      return {
        bytes: concatBytes([prefix, ...hosts.map((host) => host.record), suffix]),
        references: unionReferences([shellReferences, ...hosts.map((host) => host.references)]),
      };
    },
    forget: (name) => {
      previousVersions.delete(name);
    },
    share: (name, bytes, copy) => {
      const previous = previousVersions.get(name);
      if (previous?.bytes === bytes && copy.length === bytes.length) previous.bytes = copy;
    },
  };
};
