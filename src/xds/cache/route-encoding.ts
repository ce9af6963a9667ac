// RouteConfigurations encoded from per-virtual-host pieces. `ingress_http` holds every plaintext
// virtual host (thousands); an edit changes one of them, so encoding (and walking for references)
// the whole message per edit is O(N) work on the event loop. Protobuf's wire format lets a message
// be written as the concatenation of its fields' records, so the encoding here is: the name field,
// then one cached `virtual_hosts = 2` record per virtual host (encoded once per VirtualHost object),
// then the remaining fields. The bytes are identical to `toBinary` of the whole message (checked at
// first use against protobuf-es, and by test/xds/route-encoding.test.ts), so versions do not change.
import { create, toBinary } from '@bufbuild/protobuf';
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

/** Encodes RouteConfigurations, reusing the pieces of virtual hosts it has seen before. */
export interface RouteConfigurationEncoder {
  encode(configuration: RouteConfiguration): EncodedResource;
  /** Drops what is kept for a configuration name that left the snapshot. */
  forget(name: string): void;
}

interface HostPiece {
  /** The host as one `virtual_hosts = 2` field record. */
  readonly record: Uint8Array;
  readonly references: References;
}

/** Reference counts of a large configuration's hosts, kept so the next version is a diff. */
interface HostReferenceState {
  hosts: Set<VirtualHost>;
  counts: Map<ResourceType, Map<string, number>>;
  sorted: Partial<Record<ResourceType, readonly string[]>>;
}

// Configurations with fewer hosts than this take the union of their hosts' references directly.
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

/** Creates an encoder; its caches live as long as it does (one per snapshot cache). */
export const createRouteConfigurationEncoder = (): RouteConfigurationEncoder => {
  const pieces = new WeakMap<VirtualHost, HostPiece>();
  const referenceStates = new Map<string, HostReferenceState>();

  const pieceOf = (host: VirtualHost): HostPiece => {
    let piece = pieces.get(host);
    if (piece === undefined) {
      piece = {
        record: lengthDelimitedField(2, toBinary(VirtualHostSchema, host)),
        references: findReferences(VirtualHostSchema, host),
      };
      pieces.set(host, piece);
    }
    return piece;
  };

  /** Moves a configuration's reference counts from its previous hosts to `hosts`; returns the lists. */
  const hostReferences = (name: string, hosts: readonly VirtualHost[]): References => {
    let state = referenceStates.get(name);
    if (state === undefined) {
      state = { hosts: new Set(), counts: new Map(), sorted: {} };
      referenceStates.set(name, state);
    }
    const next = new Set(hosts);
    const touched = new Map<ResourceType, Set<string>>();
    const adjust = (references: References, delta: 1 | -1): void => {
      for (const [type, names] of Object.entries(references) as [ResourceType, readonly string[]][]) {
        let counts = state.counts.get(type);
        if (counts === undefined) state.counts.set(type, (counts = new Map<string, number>()));
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
    for (const host of next) if (!state.hosts.has(host)) adjust(pieceOf(host).references, 1);
    for (const host of state.hosts) if (!next.has(host)) adjust(pieceOf(host).references, -1);
    state.hosts = next;
    // The previous lists belong to the previous version's cache entry: copy before changing.
    const sorted = { ...state.sorted };
    for (const [type, names] of touched) {
      const counts = state.counts.get(type)!;
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
    state.sorted = sorted;
    return sorted;
  };

  return {
    encode: (configuration) => {
      if (!splicingMatchesToBinary()) {
        return {
          bytes: toBinary(RouteConfigurationSchema, configuration),
          references: findReferences(RouteConfigurationSchema, configuration),
        };
      }
      const hosts = configuration.virtualHosts;
      const shell = encodeShell(configuration);
      const parts: Uint8Array[] = [shell.bytes.subarray(0, shell.hostsAt)];
      for (const host of hosts) parts.push(pieceOf(host).record);
      parts.push(shell.bytes.subarray(shell.hostsAt));
      const shellReferences = findReferences(RouteConfigurationSchema, {
        ...configuration,
        virtualHosts: [],
      });
      let references: References;
      if (hosts.length >= incrementalReferencesFrom) {
        const fromHosts = hostReferences(configuration.name, hosts);
        references =
          Object.keys(shellReferences).length === 0
            ? fromHosts
            : unionReferences([fromHosts, shellReferences]);
      } else {
        referenceStates.delete(configuration.name);
        references = unionReferences([shellReferences, ...hosts.map((host) => pieceOf(host).references)]);
      }
      return { bytes: concatBytes(parts), references };
    },
    forget: (name) => {
      referenceStates.delete(name);
    },
  };
};
