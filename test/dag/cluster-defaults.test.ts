// A Service's circuit breaker annotations, read as Contour reads them (a base-10 uint32; absent, malformed
// or 0 is "not set"), and merged threshold by threshold over `cluster.circuit-breakers`.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from '../../src/apis/kubernetes.js';
import { httpClusterDefaults, serviceCircuitBreakers } from '../../src/dag/cluster-defaults.js';

const service = (annotations: Record<string, unknown> | undefined): Service =>
  ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: 'default', name: 'web', ...(annotations ? { annotations } : {}) },
    spec: { ports: [{ port: 80 }] },
  }) as Service;

describe('circuit breaker annotations', () => {
  it('reads each annotation as Go strconv.ParseUint(value, 10, 32) does', () => {
    const cases: [unknown, number | undefined][] = [
      ['5', 5],
      ['007', 7],
      ['4294967295', 4294967295],
      ['4294967296', undefined],
      ['0', undefined],
      ['+5', undefined],
      ['-1', undefined],
      [' 5', undefined],
      ['5.0', undefined],
      ['0x10', undefined],
      ['', undefined],
      [5, undefined],
    ];
    for (const [value, expected] of cases) {
      assert.deepEqual(
        serviceCircuitBreakers(service({ 'projectcontour.io/max-requests': value })),
        expected === undefined ? undefined : { maxRequests: expected },
        `max-requests: ${JSON.stringify(value)}`,
      );
    }
  });

  it('reads all five annotations, and nothing without them', () => {
    assert.deepEqual(
      serviceCircuitBreakers(
        service({
          'projectcontour.io/max-connections': '1',
          'projectcontour.io/max-pending-requests': '2',
          'projectcontour.io/max-requests': '3',
          'projectcontour.io/max-retries': '4',
          'projectcontour.io/per-host-max-connections': '5',
          'contour.heptio.com/max-connections': '9',
        }),
      ),
      { maxConnections: 1, maxPendingRequests: 2, maxRequests: 3, maxRetries: 4, perHostMaxConnections: 5 },
    );
    assert.equal(serviceCircuitBreakers(service(undefined)), undefined);
    assert.equal(serviceCircuitBreakers(service({ other: 'x' })), undefined);
  });

  it('each threshold comes from the Service when set there, else from the defaults', () => {
    const defaults = { circuitBreakers: { maxConnections: 50, maxRetries: 3 }, maxRequestsPerConnection: 9 };
    assert.deepEqual(httpClusterDefaults(defaults, { maxConnections: 500, maxRequests: 7 }, undefined), {
      maxRequestsPerConnection: 9,
      perConnectionBufferLimitBytes: undefined,
      circuitBreakers: { maxConnections: 500, maxRequests: 7, maxRetries: 3 },
      clientCertificate: undefined,
    });
    assert.deepEqual(httpClusterDefaults(undefined, { maxRetries: 1 }, 'ns/client/hash').circuitBreakers, {
      maxRetries: 1,
    });
    assert.equal(httpClusterDefaults(undefined, undefined, undefined).circuitBreakers, undefined);
  });
});
