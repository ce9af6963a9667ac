// Route configurations encoded from cached per-virtual-host pieces must be byte for byte what
// protobuf-es writes for the whole message, with the same references, over random edit sequences
// that reuse, replace, reorder, add and drop virtual hosts (as the incremental engine does), whether
// a configuration comes as a message or spliced from hosts encoded beforehand (as the engine hands
// `ingress_http` over), and with both forms mixed in one encoder's history.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { create, toBinary } from '@bufbuild/protobuf';
import {
  RouteConfigurationSchema,
  type RouteConfiguration,
} from '../../src/gen/envoy/config/route/v3/route_pb.js';
import {
  VirtualHostSchema,
  type VirtualHost,
} from '../../src/gen/envoy/config/route/v3/route_components_pb.js';
import { HeaderValueOption_HeaderAppendAction } from '../../src/gen/envoy/config/core/v3/base_pb.js';
import { findReferences } from '../../src/xds/cache/references.js';
import {
  createRouteConfigurationEncoder,
  encodeVirtualHost,
  type EncodedVirtualHost,
} from '../../src/xds/cache/route-encoding.js';

const clusterNames = Array.from({ length: 12 }, (_, i) => `ns/svc${i}/80/abc`);

const host = (name: string, clusters: string[], mirror: string | undefined): VirtualHost =>
  create(VirtualHostSchema, {
    name,
    domains: [name],
    routes: clusters.map((cluster, index) => ({
      match: { pathSpecifier: { case: 'prefix' as const, value: `/p${index}` } },
      action: {
        case: 'route' as const,
        value: {
          clusterSpecifier: { case: 'cluster' as const, value: cluster },
          requestMirrorPolicies: mirror ? [{ cluster: mirror }] : [],
        },
      },
    })),
  });

const hostSpec = fc.record({
  name: fc.stringMatching(/^[a-z]{1,6}\.test$/),
  clusters: fc.array(fc.constantFrom(...clusterNames), { maxLength: 3 }),
  mirror: fc.option(fc.constantFrom(...clusterNames), { nil: undefined }),
});

/** One step: keep some current hosts (same objects), add new ones, reorder, maybe change the shell. */
const step = fc.record({
  // Mostly kept: most hosts stay the same objects between versions, as in an edit.
  keep: fc
    .array(fc.boolean(), { maxLength: 160 })
    .map((flags) => flags.map((flag, i) => flag || i % 5 !== 0)),
  added: fc.array(hostSpec, { maxLength: 20 }),
  order: fc.integer(),
  // Sorted by name, as translate makes them (few changes between versions), or shuffled.
  sorted: fc.boolean(),
  name: fc.constantFrom('ingress_http', 'ingress_http', 'https/a.test', ''),
  internalOnlyHeaders: fc.array(fc.constantFrom('x-a', 'x-b'), { maxLength: 2 }),
  ignorePort: fc.boolean(),
  requestHeader: fc.boolean(),
  // Handed over as a message, or spliced from hosts encoded once per host object.
  spliced: fc.boolean(),
});

const shuffled = <T>(items: T[], seed: number): T[] => {
  const out = [...items];
  let state = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
};

test('spliced route configurations equal toBinary and findReferences after random edit sequences', () => {
  fc.assert(
    fc.property(
      // Enough hosts to take the large-configuration path (a diff against the previous version).
      fc.array(hostSpec, { minLength: 50, maxLength: 150 }),
      fc.array(step, { minLength: 1, maxLength: 12 }),
      (initial, steps) => {
        const encoder = createRouteConfigurationEncoder();
        const encodedHosts = new Map<VirtualHost, EncodedVirtualHost>();
        const encodedHost = (virtualHost: VirtualHost): EncodedVirtualHost => {
          let encoded = encodedHosts.get(virtualHost);
          if (encoded === undefined)
            encodedHosts.set(virtualHost, (encoded = encodeVirtualHost(virtualHost)));
          return encoded;
        };
        let hosts: VirtualHost[] = initial.map((spec) => host(spec.name, spec.clusters, spec.mirror));
        for (const change of steps) {
          const kept = hosts.filter((_, index) => change.keep[index] ?? true);
          const added = change.added.map((spec) => host(spec.name, spec.clusters, spec.mirror));
          hosts = shuffled([...kept, ...added], change.order);
          if (change.sorted) hosts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
          const configuration: RouteConfiguration = create(RouteConfigurationSchema, {
            name: change.name,
            virtualHosts: hosts,
            internalOnlyHeaders: change.internalOnlyHeaders,
            ignorePortInHostMatching: change.ignorePort,
            requestHeadersToAdd: change.requestHeader
              ? [
                  {
                    header: { key: 'x-request-start', value: 't=%START_TIME(%s.%3f)%' },
                    appendAction: HeaderValueOption_HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD,
                  },
                ]
              : [],
          });
          const encoded = encoder.encode(
            change.spliced
              ? {
                  name: configuration.name,
                  shell: create(RouteConfigurationSchema, { ...configuration, virtualHosts: [] }),
                  virtualHosts: hosts.map(encodedHost),
                }
              : configuration,
          );
          assert.deepStrictEqual(
            Buffer.from(encoded.bytes),
            Buffer.from(toBinary(RouteConfigurationSchema, configuration)),
          );
          assert.deepStrictEqual(encoded.references, findReferences(RouteConfigurationSchema, configuration));
        }
      },
    ),
    { numRuns: 100 },
  );
});

test('references of an earlier version are not changed by encoding the next one', () => {
  const encoder = createRouteConfigurationEncoder();
  const hosts = Array.from({ length: 100 }, (_, i) => host(`h${i}.test`, [clusterNames[i % 12]], undefined));
  const first = encoder.encode(
    create(RouteConfigurationSchema, { name: 'ingress_http', virtualHosts: hosts }),
  );
  const before = JSON.stringify(first.references);
  // Drop every host routing to svc0 (i = 0, 12, 24, …): svc0 leaves the references.
  const replaced = hosts.filter((_, i) => i % 12 !== 0);
  const second = encoder.encode(
    create(RouteConfigurationSchema, { name: 'ingress_http', virtualHosts: replaced }),
  );
  assert.equal(JSON.stringify(first.references), before);
  assert.ok(!second.references.cluster!.includes(clusterNames[0]));
  assert.ok(first.references.cluster!.includes(clusterNames[0]));
});
