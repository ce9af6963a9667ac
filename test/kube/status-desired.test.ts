// The status writer's diffing rules, without an API server: what counts as a change, how
// lastTransitionTime is kept, and what the merge patch says.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  desiredStatusOf,
  statusMatches,
  statusPatch,
  statusReplacement,
  type StoredCondition,
} from '../../src/status/desired.js';
import { loadBalancerOfService, parseIngressStatusAddress } from '../../src/status/load-balancer.js';
import type { ObjectStatus } from '../../src/apis/status.js';

const invalid: ObjectStatus = {
  kind: 'HTTPProxy',
  namespace: 'default',
  name: 'web',
  currentStatus: 'invalid',
  description: 'At least one error present, see Errors for details',
  conditions: [
    {
      type: 'Valid',
      status: 'False',
      reason: 'ErrorPresent',
      message: 'At least one error present, see Errors for details',
      errors: [
        { type: 'ServiceError', status: 'True', reason: 'ServiceUnresolvedReference', message: 'not found' },
      ],
    },
  ],
};

const stored = (conditions: StoredCondition[], extra: Record<string, unknown> = {}) => ({
  currentStatus: 'invalid',
  description: 'At least one error present, see Errors for details',
  conditions,
  ...extra,
});

describe('status diffing', () => {
  it('ignores lastTransitionTime, condition order and empty lists; sees real changes', () => {
    const desired = desiredStatusOf(invalid, undefined);
    const current = stored([
      { ...invalid.conditions[0], warnings: [], lastTransitionTime: '2024-01-01T00:00:00Z' },
    ]);
    assert.equal(statusMatches('HTTPProxy', current, desired), true);
    assert.equal(statusMatches('HTTPProxy', { ...current, description: 'other' }, desired), false);
    assert.equal(statusMatches('HTTPProxy', undefined, desired), false);
    const otherMessage = stored([
      { ...invalid.conditions[0], errors: [{ ...invalid.conditions[0].errors![0], message: 'changed' }] },
    ]);
    assert.equal(statusMatches('HTTPProxy', otherMessage, desired), false);
  });

  it('keeps lastTransitionTime while a condition keeps its status, and resets it when it flips', () => {
    const current = stored([{ ...invalid.conditions[0], lastTransitionTime: '2024-01-01T00:00:00Z' }]);
    const same = statusPatch(
      'HTTPProxy',
      current,
      desiredStatusOf(invalid, undefined),
      '2025-05-05T00:00:00Z',
    );
    assert.equal((same.conditions as StoredCondition[])[0].lastTransitionTime, '2024-01-01T00:00:00Z');
    const valid: ObjectStatus = {
      ...invalid,
      currentStatus: 'valid',
      description: 'Valid HTTPProxy',
      conditions: [{ type: 'Valid', status: 'True', reason: 'Valid', message: 'Valid HTTPProxy' }],
    };
    const flipped = statusPatch(
      'HTTPProxy',
      current,
      desiredStatusOf(valid, undefined),
      '2025-05-05T00:00:00Z',
    );
    const condition = (flipped.conditions as StoredCondition[])[0];
    assert.equal(condition.lastTransitionTime, '2025-05-05T00:00:00Z');
    assert.equal(condition.errors, undefined, 'no empty errors list is written');
    assert.equal(flipped.currentStatus, 'valid');
  });

  it('removes fields with null, and leaves loadBalancer alone unless an address is known', () => {
    const withoutDescription: ObjectStatus = { ...invalid, description: undefined };
    const patch = statusPatch('HTTPProxy', stored([]), desiredStatusOf(withoutDescription, undefined), 'now');
    assert.equal(patch.description, null);
    assert.equal('loadBalancer' in patch, false);
    const lb = { ingress: [{ ip: '192.0.2.1' }] };
    const withLb = statusPatch('HTTPProxy', stored([]), desiredStatusOf(invalid, lb), 'now');
    assert.deepEqual(withLb.loadBalancer, lb);
    const cleared = statusPatch('Ingress', { loadBalancer: lb }, { loadBalancer: { ingress: [] } }, 'now');
    assert.deepEqual(cleared, { loadBalancer: { ingress: null } });
    assert.equal(statusMatches('Ingress', { loadBalancer: lb }, { loadBalancer: lb }), true);
    assert.equal(statusMatches('Ingress', { loadBalancer: lb }, {}), true, 'no address known: nothing to do');
  });

  it('the whole status for an update: the patch applied, fields removed, others kept', () => {
    const lb = { ingress: [{ ip: '192.0.2.1' }] };
    const current = { ...stored([]), description: 'old', loadBalancer: lb, unrelated: 'kept' };
    const withoutDescription: ObjectStatus = { ...invalid, description: undefined };
    const replacement = statusReplacement(
      'HTTPProxy',
      current,
      desiredStatusOf(withoutDescription, undefined),
      'now',
    );
    assert.equal('description' in replacement, false, 'null in the patch removes the field');
    assert.deepEqual(replacement.loadBalancer, lb, 'no address known: left as it was');
    assert.equal(replacement.unrelated, 'kept', 'fields we do not own are kept');
    assert.equal(replacement.currentStatus, 'invalid');
    assert.equal(
      statusMatches('HTTPProxy', replacement, desiredStatusOf(withoutDescription, undefined)),
      true,
    );
    const cleared = statusReplacement(
      'Ingress',
      { loadBalancer: lb },
      { loadBalancer: { ingress: [] } },
      'now',
    );
    assert.deepEqual(cleared, { loadBalancer: {} });
  });

  it('derives load-balancer addresses from flags and from the Envoy Service', () => {
    assert.deepEqual(parseIngressStatusAddress('192.0.2.1, lb.example.com,2001:db8::1'), {
      ingress: [{ ip: '192.0.2.1' }, { hostname: 'lb.example.com' }, { ip: '2001:db8::1' }],
    });
    const base = {
      apiVersion: 'v1',
      kind: 'Service' as const,
      metadata: { name: 'envoy', namespace: 'projectcontour' },
    };
    assert.deepEqual(
      loadBalancerOfService({
        ...base,
        spec: { type: 'LoadBalancer' },
        status: { loadBalancer: { ingress: [{ hostname: 'elb.example.com' }] } },
      }),
      { ingress: [{ hostname: 'elb.example.com' }] },
    );
    assert.deepEqual(
      loadBalancerOfService({ ...base, spec: { type: 'ExternalName', externalName: 'x.example.com' } }),
      {
        ingress: [{ hostname: 'x.example.com' }],
      },
    );
    assert.deepEqual(
      loadBalancerOfService({ ...base, spec: { type: 'ClusterIP', externalIPs: ['198.51.100.7'] } as never }),
      { ingress: [{ ip: '198.51.100.7' }] },
    );
  });
});
