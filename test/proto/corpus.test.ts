// Every resource of the whole corpus (all golden scenarios and the hand-built kitchen-sink DAG)
// encodes with Envoy's protos, decodes to an equal message, prints as canonical JSON that parses
// back to the same message, and passes the validate.rules annotations.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { equals, fromBinary, fromJson, toBinary, type DescMessage, type Message } from '@bufbuild/protobuf';
import { translate, defaultTranslateOptions } from '../../src/assemble/translate.js';
import { envoyRegistry } from '../../src/envoy/registry.js';
import { resourceToJson } from '../../src/envoy/canonical-json.js';
import { validateResource } from '../../src/envoy/validation/validate.js';
import type { EnvoyResources } from '../../src/envoy/resources.js';
import { loadScenario, runScenario, scenarioNames } from '../golden/harness.js';
import { storeWith } from '../envoy/fixtures.js';
import { kitchenSinkDag, kitchenSinkSlices } from '../envoy/kitchen-sink.js';

const allResources = (resources: EnvoyResources): Message[] => [
  ...resources.listeners,
  ...resources.routes,
  ...resources.clusters,
  ...resources.endpoints,
  ...resources.secrets,
];

const checkResource = (message: Message): void => {
  const schema = envoyRegistry.getMessage(message.$typeName) as DescMessage;
  assert.ok(schema, `${message.$typeName} is in the registry`);
  const bytes = toBinary(schema, message);
  const decoded = fromBinary(schema, bytes, { readUnknownFields: false });
  assert.ok(
    equals(schema, decoded, message, { registry: envoyRegistry, unpackAny: true }),
    'binary round trip',
  );
  const json = resourceToJson(message) as Record<string, unknown>;
  const { ['@type']: typeUrl, ...fields } = json;
  assert.equal(typeUrl, `type.googleapis.com/${message.$typeName}`);
  const reparsed = fromJson(schema, fields as never, { registry: envoyRegistry });
  assert.ok(
    equals(schema, reparsed, message, { registry: envoyRegistry, unpackAny: true }),
    'JSON round trip',
  );
  assert.deepEqual(
    validateResource(message),
    [],
    `${message.$typeName} ${(message as { name?: string }).name ?? ''}`,
  );
};

describe('proto corpus', () => {
  it('kitchen-sink DAG: every resource encodes, round-trips and validates', () => {
    const resources = translate(kitchenSinkDag(), storeWith(...kitchenSinkSlices()), defaultTranslateOptions);
    const messages = allResources(resources);
    assert.ok(messages.length >= 20, `expected a rich corpus, got ${messages.length}`);
    messages.forEach(checkResource);
  });

  for (const name of scenarioNames()) {
    it(`golden scenario ${name}`, () => {
      allResources(runScenario(loadScenario(name)).resources).forEach(checkResource);
    });
  }
});
