// The ip, ipv4 and ipv6 string formats of validate.rules, checked with node:net on a message type
// declared here (Envoy's own protos have no such field today, so nothing else would exercise them).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  create,
  createFileRegistry,
  createRegistry,
  setExtension,
  type DescMessage,
} from '@bufbuild/protobuf';
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FieldOptionsSchema,
  FileDescriptorProtoSchema,
  file_google_protobuf_descriptor,
} from '@bufbuild/protobuf/wkt';
import { FieldRulesSchema, file_validate_validate, rules } from '../../src/gen/validate/validate_pb.js';
import { validateResource } from '../../src/envoy/validation/validate.js';

const formats = ['ip', 'ipv4', 'ipv6'] as const;

const field = (name: string, number: number, format: (typeof formats)[number]) => {
  const options = create(FieldOptionsSchema);
  setExtension(
    options,
    rules,
    create(FieldRulesSchema, {
      type: { case: 'string', value: { wellKnown: { case: format, value: true } } },
    }),
  );
  return {
    name,
    number,
    label: FieldDescriptorProto_Label.OPTIONAL,
    type: FieldDescriptorProto_Type.STRING,
    jsonName: name,
    options,
  };
};

const file = createFileRegistry(
  create(FileDescriptorProtoSchema, {
    name: 'test/ip_formats.proto',
    package: 'test',
    syntax: 'proto3',
    dependency: ['validate/validate.proto'],
    messageType: [
      { name: 'Addresses', field: formats.map((format, index) => field(format, index + 1, format)) },
    ],
  }),
  (name) =>
    name === 'validate/validate.proto'
      ? file_validate_validate
      : name === 'google/protobuf/descriptor.proto'
        ? file_google_protobuf_descriptor
        : undefined,
);
const registry = createRegistry(file);
const schema = registry.getMessage('test.Addresses') as DescMessage;

const violations = (values: Partial<Record<(typeof formats)[number], string>>): string[] =>
  validateResource(create(schema, values), registry);

describe('ip string formats', () => {
  it('accepts addresses of the right family', () => {
    assert.deepEqual(violations({ ip: '10.0.0.1', ipv4: '192.168.1.1', ipv6: '::1' }), []);
    assert.deepEqual(violations({ ip: 'fe80::1', ipv4: '0.0.0.0', ipv6: '2001:db8::8a2e:370:7334' }), []);
  });

  it('refuses what only looks like an address, and the other family', () => {
    const found = violations({ ip: '1.2.3.4.5', ipv4: '::1', ipv6: '10.0.0.1' });
    assert.deepEqual(found, [
      'Addresses.ip: must be an IP address, got "1.2.3.4.5"',
      'Addresses.ipv4: must be an IPv4 address, got "::1"',
      'Addresses.ipv6: must be an IPv6 address, got "10.0.0.1"',
    ]);
    // The old approximation accepted any run of hex digits, dots and colons. An empty string is no
    // address either (as in protoc-gen-validate, unless ignore_empty).
    assert.deepEqual(violations({ ip: 'abc:::', ipv4: '1.2.3.4', ipv6: '' }), [
      'Addresses.ip: must be an IP address, got "abc:::"',
      'Addresses.ipv6: must be an IPv6 address, got ""',
    ]);
  });
});
