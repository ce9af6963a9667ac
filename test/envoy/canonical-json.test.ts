import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalText, resourcesToJson, resourceToJson } from '../../src/envoy/canonical-json.js';
import { translate, defaultTranslateOptions } from '../../src/assemble/translate.js';
import { envoyCluster } from '../../src/envoy/cluster.js';
import { defaultUpstreamTlsParameters } from '../../src/envoy/tls-context.js';
import { cluster, storeWith } from './fixtures.js';
import { kitchenSinkDag, kitchenSinkSlices } from './kitchen-sink.js';

const keysAreCanonical = (value: unknown, path = '$'): void => {
  if (Array.isArray(value)) {
    value.forEach((item, index) => keysAreCanonical(item, `${path}[${index}]`));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const keys = Object.keys(value);
  const rest = keys.filter((key) => key !== '@type');
  if (keys.includes('@type')) assert.equal(keys[0], '@type', `${path}: @type first`);
  assert.deepEqual(rest, [...rest].sort(), `${path}: keys sorted`);
  for (const key of keys) keysAreCanonical((value as Record<string, unknown>)[key], `${path}.${key}`);
};

describe('canonical JSON', () => {
  it('uses proto field names, @type first, sorted keys everywhere (Any payloads included)', () => {
    const json = resourcesToJson(
      translate(kitchenSinkDag(), storeWith(...kitchenSinkSlices()), defaultTranslateOptions),
    );
    assert.deepEqual(Object.keys(json as object), [
      'clusters',
      'endpoints',
      'listeners',
      'routes',
      'runtimes',
      'secrets',
    ]);
    keysAreCanonical(json);
    const text = canonicalText(json);
    assert.match(
      text,
      /"@type": "type.googleapis.com\/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"/,
    );
    assert.match(text, /"route_config_name": "ingress_http"/);
    assert.ok(text.endsWith('}\n'));
  });

  it('a single resource carries its type URL like a packed Any', () => {
    const json = resourceToJson(
      envoyCluster(cluster('web'), { connectTimeoutMs: 250, upstreamTls: defaultUpstreamTlsParameters }),
    );
    assert.equal(
      (json as Record<string, unknown>)['@type'],
      'type.googleapis.com/envoy.config.cluster.v3.Cluster',
    );
    assert.equal((json as Record<string, unknown>).connect_timeout, '0.250s');
  });

  it('canonical text sorts keys of plain values too', () => {
    assert.equal(
      canonicalText({ b: 1, a: { d: 2, c: [{ f: 1, e: 2 }] } }),
      '{\n  "a": {\n    "c": [\n      {\n        "e": 2,\n        "f": 1\n      }\n    ],\n    "d": 2\n  },\n  "b": 1\n}\n',
    );
  });
});
