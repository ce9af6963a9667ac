// Issue 13, item 6: malformed built-in objects (as manifest files can hold) are refused by name at
// ingest and never reach the store; nothing thrown in the build or EDS path ends the process; the last
// good configuration stays served and /readyz says `degraded`, naming the object.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ingestError } from '../../src/apis/ingest-validation.js';
import type { KubeObject } from '../../src/apis/meta.js';
import { startPipeline } from './pipeline-harness.js';
import { endpointSlice, rootProxy, service } from './objects.js';

const object = (
  kind: string,
  fields: Record<string, unknown>,
  metadata: Record<string, unknown> = {},
): KubeObject => ({
  apiVersion: 'v1',
  kind,
  metadata: { namespace: 'default', name: 'x', ...metadata },
  ...fields,
});

describe('ingest validation of built-in kinds', () => {
  it('names the malformed field of each kind', () => {
    const cases: [KubeObject, string][] = [
      [
        endpointSlice('e', 'web', [], { endpoints: 5 }),
        'endpoints: Invalid input: expected array, received number',
      ],
      [
        endpointSlice('e', 'web', [], { ports: { a: 1 } }),
        'ports: Invalid input: expected array, received object',
      ],
      [
        endpointSlice('e', 'web', ['not-an-ip']),
        'endpoints[0].addresses[0]: "not-an-ip" is not an IPv4 address',
      ],
      [
        endpointSlice('e', 'web', ['10.0.0.1'], { addressType: 'IPv6' }),
        'endpoints[0].addresses[0]: "10.0.0.1" is not an IPv6 address',
      ],
      [
        object('Service', { spec: { ports: 'http' } }),
        'spec.ports: Invalid input: expected array, received string',
      ],
      [
        object('Service', { spec: { ports: [{ port: 70000 }] } }),
        'spec.ports[0].port: Too big: expected number to be <=65535',
      ],
      [object('Secret', { data: ['a'] }), 'data: Invalid input: expected record, received array'],
      [
        object('Ingress', { spec: { rules: { host: 'a' } } }),
        'spec.rules: Invalid input: expected array, received object',
      ],
      [object('IngressClass', { spec: 'contour' }), 'spec: Invalid input: expected object, received string'],
      [
        object('TLSCertificateDelegation', { spec: { delegations: 3 } }),
        'spec.delegations: Invalid input: expected array, received number',
      ],
      [
        object('Service', { spec: {} }, { annotations: 'x' }),
        'metadata.annotations: Invalid input: expected record, received string',
      ],
    ];
    for (const [input, expected] of cases) assert.equal(ingestError(input), expected, `${input.kind}`);
    assert.equal(ingestError(endpointSlice('e', 'web', ['10.0.0.1', '10.0.0.2'])), undefined);
    assert.equal(
      ingestError(
        endpointSlice('e', 'web', [], { addressType: 'FQDN', endpoints: [{ addresses: ['a.example.com'] }] }),
      ),
      undefined,
    );
    assert.equal(ingestError(service('web')), undefined);
  });
});

describe('the pipeline with malformed objects', () => {
  it('refuses a malformed EndpointSlice by name, keeps serving, and survives the next unrelated edit', async () => {
    const harness = await startPipeline([
      service('web'),
      endpointSlice('web-1', 'web', ['10.0.0.1']),
      rootProxy('root', 'a.example.com', 'web'),
    ]);
    try {
      assert.equal(harness.readiness.report().config, 'valid');
      for (const hostile of [
        endpointSlice('web-2', 'web', [], { endpoints: 5 }),
        endpointSlice('web-3', 'web', ['10.0.0.3'], { ports: { a: 1 } }),
        endpointSlice('web-4', 'web', ['not-an-ip']),
      ]) {
        harness.upsert(hostile);
      }
      // The next unrelated edit: this threw in readyEndpoints inside a timer, and the process exited.
      harness.upsert(service('other'), rootProxy('other', 'b.example.com', 'other'));
      const report = harness.readiness.report();
      assert.equal(report.phase, 'SERVING');
      assert.equal(report.config, 'degraded');
      assert.deepEqual(report.rejected, [
        'EndpointSlice default/web-2: endpoints: Invalid input: expected array, received number',
        'EndpointSlice default/web-3: ports: Invalid input: expected array, received object',
        'EndpointSlice default/web-4: endpoints[0].addresses[0]: "not-an-ip" is not an IPv4 address',
      ]);
      const served = JSON.stringify(harness.cache.toJson());
      assert.match(served, /"address":"10\.0\.0\.1"/);
      assert.doesNotMatch(served, /not-an-ip|10\.0\.0\.3/);
      assert.ok(harness.names('route').length > 0);
      // Fixing the objects (or deleting them) clears the refusal.
      harness.upsert(
        endpointSlice('web-2', 'web', ['10.0.0.2']),
        endpointSlice('web-3', 'web', ['10.0.0.3']),
      );
      harness.apply([
        { type: 'delete', ref: { kind: 'EndpointSlice', namespace: 'default', name: 'web-4' } },
      ]);
      assert.equal(harness.readiness.report().config, 'valid');
      assert.equal(harness.readiness.report().rejected, undefined);
      assert.match(JSON.stringify(harness.cache.toJson()), /"address":"10\.0\.0\.3"/);
    } finally {
      await harness.stop();
    }
  });

  it('keeps the last good snapshot when a build throws, and reports it on /readyz', async () => {
    let explode = false;
    const harness = await startPipeline(
      [service('web'), rootProxy('root', 'a.example.com', 'web')],
      {},
      (resources) => {
        if (explode) throw new Error('boom');
        return resources;
      },
    );
    try {
      const version = harness.cache.version();
      explode = true;
      harness.upsert(rootProxy('other', 'b.example.com', 'web'));
      let report = harness.readiness.report();
      assert.equal(report.phase, 'SERVING');
      assert.equal(report.config, 'degraded');
      assert.deepEqual(report.rejected, ['build failed (the last good configuration is still served): boom']);
      assert.equal(harness.cache.version(), version, 'the last good snapshot is still served');
      explode = false;
      harness.pipeline.buildNow('retry');
      report = harness.readiness.report();
      assert.equal(report.config, 'valid');
      assert.notEqual(harness.cache.version(), version);
    } finally {
      await harness.stop();
    }
  });
});
