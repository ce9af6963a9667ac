import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from '@bufbuild/protobuf';
import { createEndpointAssignments } from '../../src/assemble/endpoint-assignments.js';
import { createResourceChecker } from '../../src/assemble/resource-check.js';
import type { Cluster } from '../../src/dag/types.js';
import type { StoreView } from '../../src/store/store.js';
import { cluster, endpointSlice, json, storeWith } from './fixtures.js';

/** The ClusterLoadAssignments the assembly publishes for `clusters` over the store's EndpointSlices. */
const clusterLoadAssignments = (clusters: Cluster[], store: StoreView): Message[] => {
  const assignments = createEndpointAssignments(store, createResourceChecker());
  assignments.setClusters(clusters);
  return assignments.list().map((assignment) => assignment.message);
};

const addresses = (cla: ReturnType<typeof json>) =>
  (
    (cla.endpoints as
      | {
          lb_endpoints: {
            endpoint: { address: { socket_address: { address: string; port_value: number } } };
          }[];
        }[]
      | undefined) ?? []
  )
    .flatMap((locality) => locality.lb_endpoints)
    .map(
      (e) => `${e.endpoint.address.socket_address.address}:${e.endpoint.address.socket_address.port_value}`,
    );

describe('cluster load assignments', () => {
  it('ready endpoints only (absent readiness counts as ready), sorted, one locality of weight 1', () => {
    const store = storeWith(
      endpointSlice(
        'web-1',
        'web',
        [
          { addresses: ['10.0.0.9'] },
          { addresses: ['10.0.0.3'], conditions: { ready: true } },
          { addresses: ['10.0.0.5'], conditions: { ready: false } },
        ],
        [{ name: '', port: 8080, protocol: 'TCP' }],
      ),
    );
    const [cla] = clusterLoadAssignments([cluster('web')], store).map(json);
    assert.equal(cla.cluster_name, 'default/web');
    assert.deepEqual(addresses(cla), ['10.0.0.3:8080', '10.0.0.9:8080']);
    assert.equal((cla.endpoints as { load_balancing_weight: number }[])[0].load_balancing_weight, 1);
  });

  it('selects the port by the Service port name; other protocols and FQDN slices are ignored', () => {
    const store = storeWith(
      endpointSlice(
        'multi-1',
        'multi',
        [{ addresses: ['10.0.1.1'] }],
        [
          { name: 'http', port: 8080, protocol: 'TCP' },
          { name: 'metrics', port: 9090, protocol: 'TCP' },
          { name: 'http', port: 5353, protocol: 'UDP' },
        ],
      ),
      endpointSlice(
        'multi-fqdn',
        'multi',
        [{ addresses: ['db.example.org'] }],
        [{ name: 'http', port: 80 }],
        {
          addressType: 'FQDN',
        },
      ),
    );
    const http = cluster('multi', 80, {
      service: { namespace: 'default', name: 'multi', port: 80, portName: 'http' },
      edsName: 'default/multi/http',
    });
    const metrics = cluster('multi', 9090, {
      service: { namespace: 'default', name: 'multi', port: 9090, portName: 'metrics' },
      edsName: 'default/multi/metrics',
    });
    const claims = clusterLoadAssignments([metrics, http], store).map(json);
    assert.deepEqual(
      claims.map((c) => c.cluster_name),
      ['default/multi/http', 'default/multi/metrics'],
    );
    assert.deepEqual(addresses(claims[0]), ['10.0.1.1:8080']);
    assert.deepEqual(addresses(claims[1]), ['10.0.1.1:9090']);
  });

  it('merges slices of one Service and drops duplicates; a missing protocol means TCP', () => {
    const store = storeWith(
      endpointSlice(
        'web-a',
        'web',
        [{ addresses: ['10.0.0.2'] }, { addresses: ['10.0.0.1'] }],
        [{ port: 8080 }],
      ),
      endpointSlice(
        'web-b',
        'web',
        [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.4'] }],
        [{ port: 8080 }],
      ),
      endpointSlice('other', 'other', [{ addresses: ['10.9.9.9'] }], [{ port: 8080 }]),
    );
    const [cla] = clusterLoadAssignments([cluster('web')], store).map(json);
    assert.deepEqual(addresses(cla), ['10.0.0.1:8080', '10.0.0.2:8080', '10.0.0.4:8080']);
  });

  it('an empty assignment when the Service has no endpoints; one per EDS name; none for ExternalName', () => {
    const clusters = [
      cluster('lonely'),
      cluster('lonely', 80, { name: 'default/lonely/80/ffffffffff' }),
      cluster('ext', 443, { externalName: 'api.example.org' }),
    ];
    const claims = clusterLoadAssignments(clusters, storeWith()).map(json);
    assert.deepEqual(claims, [
      {
        '@type': 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
        cluster_name: 'default/lonely',
      },
    ]);
  });

  it('does not mix Services of the same name in other namespaces', () => {
    const elsewhere = endpointSlice('web-x', 'web', [{ addresses: ['10.1.1.1'] }], [{ port: 80 }]);
    elsewhere.metadata.namespace = 'other';
    const [cla] = clusterLoadAssignments([cluster('web')], storeWith(elsewhere)).map(json);
    assert.deepEqual(addresses(cla), []);
  });
});
