// A validator for protoc-gen-validate (`validate.rules`) field options over protobuf-es messages:
// the checks Envoy runs when it accepts config, run before we send it. Recurses into nested
// messages, lists, maps, and Any payloads the Envoy registry can resolve.
import {
  getOption,
  hasOption,
  isFieldSet,
  type DescEnum,
  type DescField,
  type DescMessage,
  type DescOneof,
  type Message,
  type Registry,
} from '@bufbuild/protobuf';
import { anyUnpack, type Any, type Duration } from '@bufbuild/protobuf/wkt';
import {
  BoolRulesSchema,
  BytesRulesSchema,
  DurationRulesSchema,
  EnumRulesSchema,
  RepeatedRulesSchema,
  MapRulesSchema,
  StringRulesSchema,
  KnownRegex,
  disabled,
  required as oneofRequired,
  rules as fieldRulesOption,
  type FieldRules,
  type StringRules,
} from '../../gen/validate/validate_pb.js';
import { RE2JS } from 're2js';
import { isIP, isIPv4, isIPv6 } from 'node:net';
import { envoyRegistry } from '../registry.js';
import {
  isAddress,
  isEmail,
  isHostname,
  isHttpHeaderName,
  isHttpHeaderValue,
  isUri,
  isUriReference,
  isUuid,
} from './string-formats.js';
import { checkNumber } from './numeric-rules.js';

type Violations = string[];

/** A field value as protobuf-es stores it: scalars, messages, arrays, records. */
type Value = unknown;

const isMessage = (value: Value): value is Message =>
  typeof value === 'object' && value !== null && '$typeName' in value;

const set = <T extends Message>(rules: T, schema: DescMessage, name: string): boolean => {
  const field = schema.field[name];
  return field !== undefined && isFieldSet(rules as never, field);
};

const utf8Length = (value: string): number => new TextEncoder().encode(value).length;

const patternCache = new Map<string, RE2JS>();
const re2Matches = (pattern: string, value: string): boolean => {
  let compiled = patternCache.get(pattern);
  if (!compiled) {
    compiled = RE2JS.compile(pattern);
    patternCache.set(pattern, compiled);
  }
  return compiled.matcher(value).find();
};

const checkString = (value: string, rules: StringRules, path: string, out: Violations): void => {
  const has = (name: string) => set(rules, StringRulesSchema, name);
  if (rules.ignoreEmpty && value === '') return;
  const chars = [...value].length;
  if (has('const') && value !== rules.const) out.push(`${path}: must equal "${rules.const}"`);
  if (has('len') && chars !== Number(rules.len)) out.push(`${path}: length must be ${rules.len}`);
  if (has('minLen') && chars < Number(rules.minLen))
    out.push(`${path}: length must be at least ${rules.minLen}`);
  if (has('maxLen') && chars > Number(rules.maxLen))
    out.push(`${path}: length must be at most ${rules.maxLen}`);
  const bytes = utf8Length(value);
  if (has('lenBytes') && bytes !== Number(rules.lenBytes))
    out.push(`${path}: must be ${rules.lenBytes} bytes`);
  if (has('minBytes') && bytes < Number(rules.minBytes))
    out.push(`${path}: must be at least ${rules.minBytes} bytes`);
  if (has('maxBytes') && bytes > Number(rules.maxBytes))
    out.push(`${path}: must be at most ${rules.maxBytes} bytes`);
  if (has('pattern') && !re2Matches(rules.pattern, value)) out.push(`${path}: must match /${rules.pattern}/`);
  if (has('prefix') && !value.startsWith(rules.prefix))
    out.push(`${path}: must start with "${rules.prefix}"`);
  if (has('suffix') && !value.endsWith(rules.suffix)) out.push(`${path}: must end with "${rules.suffix}"`);
  if (has('contains') && !value.includes(rules.contains))
    out.push(`${path}: must contain "${rules.contains}"`);
  if (has('notContains') && value.includes(rules.notContains))
    out.push(`${path}: must not contain "${rules.notContains}"`);
  if (rules.in.length > 0 && !rules.in.includes(value))
    out.push(`${path}: must be one of ${rules.in.join(', ')}`);
  if (rules.notIn.includes(value)) out.push(`${path}: must not be "${value}"`);
  const format = rules.wellKnown;
  const bad = (what: string) => out.push(`${path}: must be ${what}, got "${value}"`);
  switch (format.case) {
    case 'hostname':
      if (format.value && !isHostname(value)) bad('a host name');
      break;
    case 'address':
      if (format.value && !isAddress(value)) bad('an IP address or host name');
      break;
    case 'ip':
      if (format.value && !isIP(value)) bad('an IP address');
      break;
    case 'ipv4':
      if (format.value && !isIPv4(value)) bad('an IPv4 address');
      break;
    case 'ipv6':
      if (format.value && !isIPv6(value)) bad('an IPv6 address');
      break;
    case 'email':
      if (format.value && !isEmail(value)) bad('an email address');
      break;
    case 'uri':
      if (format.value && !isUri(value)) bad('an absolute URI');
      break;
    case 'uriRef':
      if (format.value && !isUriReference(value)) bad('a URI reference');
      break;
    case 'uuid':
      if (format.value && !isUuid(value)) bad('a UUID');
      break;
    case 'wellKnownRegex': {
      // `strict` defaults to true in validate.proto.
      const strict = set(rules, StringRulesSchema, 'strict') ? rules.strict : true;
      if (format.value === KnownRegex.HTTP_HEADER_NAME && !isHttpHeaderName(value, strict))
        bad('an HTTP header name');
      if (format.value === KnownRegex.HTTP_HEADER_VALUE && !isHttpHeaderValue(value, strict))
        bad('an HTTP header value');
      break;
    }
    default:
      break;
  }
};

const durationNanos = (duration: Duration): bigint =>
  duration.seconds * 1_000_000_000n + BigInt(duration.nanos);

const checkDuration = (
  value: Duration | undefined,
  rules: FieldRules,
  path: string,
  out: Violations,
): void => {
  if (rules.type.case !== 'duration') return;
  const r = rules.type.value;
  if (value === undefined) {
    if (r.required) out.push(`${path}: is required`);
    return;
  }
  const nanos = durationNanos(value);
  const bound = (name: 'const' | 'lt' | 'lte' | 'gt' | 'gte') => {
    const limit = set(r, DurationRulesSchema, name) ? r[name] : undefined;
    return limit ? durationNanos(limit) : undefined;
  };
  const [exact, lt, lte, gt, gte] = [bound('const'), bound('lt'), bound('lte'), bound('gt'), bound('gte')];
  if (exact !== undefined && nanos !== exact) out.push(`${path}: must equal ${exact}ns`);
  if (lt !== undefined && !(nanos < lt)) out.push(`${path}: must be less than ${lt}ns`);
  if (lte !== undefined && !(nanos <= lte)) out.push(`${path}: must be at most ${lte}ns`);
  if (gt !== undefined && !(nanos > gt)) out.push(`${path}: must be greater than ${gt}ns`);
  if (gte !== undefined && !(nanos >= gte)) out.push(`${path}: must be at least ${gte}ns`);
};

const checkEnum = (
  value: number,
  enumDesc: DescEnum | undefined,
  rules: FieldRules,
  path: string,
  out: Violations,
) => {
  if (rules.type.case !== 'enum') return;
  const r = rules.type.value;
  if (r.definedOnly && enumDesc && !enumDesc.values.some((v) => v.number === value))
    out.push(`${path}: ${value} is not a defined value of ${enumDesc.typeName}`);
  if (set(r, EnumRulesSchema, 'const') && value !== r.const) out.push(`${path}: must equal ${r.const}`);
  if (r.in.length > 0 && !r.in.includes(value)) out.push(`${path}: must be one of ${r.in.join(', ')}`);
  if (r.notIn.includes(value)) out.push(`${path}: must not be ${value}`);
};

const checkBytes = (value: Uint8Array, rules: FieldRules, path: string, out: Violations) => {
  if (rules.type.case !== 'bytes') return;
  const r = rules.type.value;
  const has = (name: string) => set(r, BytesRulesSchema, name);
  if (has('len') && value.length !== Number(r.len)) out.push(`${path}: must be ${r.len} bytes`);
  if (has('minLen') && value.length < Number(r.minLen))
    out.push(`${path}: must be at least ${r.minLen} bytes`);
  if (has('maxLen') && value.length > Number(r.maxLen))
    out.push(`${path}: must be at most ${r.maxLen} bytes`);
};

const checkAny = (value: Any | undefined, rules: FieldRules, path: string, out: Violations) => {
  if (rules.type.case !== 'any') return;
  const r = rules.type.value;
  if (value === undefined) {
    if (r.required) out.push(`${path}: is required`);
    return;
  }
  if (r.in.length > 0 && !r.in.includes(value.typeUrl))
    out.push(`${path}: type must be one of ${r.in.join(', ')}`);
  if (r.notIn.includes(value.typeUrl)) out.push(`${path}: type must not be ${value.typeUrl}`);
};

const enumOf = (field: DescField): DescEnum | undefined =>
  field.fieldKind === 'enum'
    ? field.enum
    : field.fieldKind === 'list' && field.listKind === 'enum'
      ? field.enum
      : undefined;

/** Checks one value (a scalar, an enum, or an unboxed wrapper) against its field rules. */
const checkSingle = (
  field: DescField,
  value: Value,
  rules: FieldRules,
  path: string,
  out: Violations,
): void => {
  switch (rules.type.case) {
    case 'string':
      if (typeof value === 'string') checkString(value, rules.type.value, path, out);
      return;
    case 'bytes':
      if (value instanceof Uint8Array) checkBytes(value, rules, path, out);
      return;
    case 'enum':
      if (typeof value === 'number') checkEnum(value, enumOf(field), rules, path, out);
      return;
    case 'duration':
      checkDuration(value as Duration | undefined, rules, path, out);
      return;
    case 'any':
      checkAny(value as Any | undefined, rules, path, out);
      return;
    case 'bool': {
      const r = rules.type.value;
      if (set(r, BoolRulesSchema, 'const') && typeof value === 'boolean' && value !== r.const)
        out.push(`${path}: must be ${r.const}`);
      return;
    }
    case 'repeated':
    case 'map':
    case 'timestamp':
    case undefined:
      return;
    default:
      // Numeric rules; wrapper fields (unboxed to number | bigint) are only checked when set.
      if (typeof value === 'number' || typeof value === 'bigint')
        checkNumber(Number(value), rules.type.value, path, out);
  }
};

const wrapperTypes = new Set([
  'google.protobuf.DoubleValue',
  'google.protobuf.FloatValue',
  'google.protobuf.Int64Value',
  'google.protobuf.UInt64Value',
  'google.protobuf.Int32Value',
  'google.protobuf.UInt32Value',
  'google.protobuf.BoolValue',
  'google.protobuf.StringValue',
  'google.protobuf.BytesValue',
]);

interface Walk {
  registry: Registry;
  out: Violations;
}

// Options are decoded from descriptor bytes on every getOption: remembered per descriptor (immutable,
// shared by every message of its type), since production validates every published resource.
const perDescriptor = <K extends object, V>(compute: (key: K) => V): ((key: K) => V) => {
  const known = new WeakMap<K, { value: V }>();
  return (key) => {
    let found = known.get(key);
    if (!found) {
      found = { value: compute(key) };
      known.set(key, found);
    }
    return found.value;
  };
};

const fieldRulesOf = perDescriptor((field: DescField): FieldRules | undefined =>
  hasOption(field, fieldRulesOption) ? getOption(field, fieldRulesOption) : undefined,
);
const isDisabled = perDescriptor(
  (schema: DescMessage): boolean => hasOption(schema, disabled) && getOption(schema, disabled),
);
const isRequiredOneof = perDescriptor(
  (oneof: DescOneof): boolean => hasOption(oneof, oneofRequired) && getOption(oneof, oneofRequired),
);

/** Validates a message-typed value (nested message, Any, Duration, or wrapper). */
const checkMessageValue = (
  field: DescField,
  value: Value,
  rules: FieldRules | undefined,
  path: string,
  walk: Walk,
): void => {
  if (value === undefined) {
    if (rules?.message?.required) walk.out.push(`${path}: is required`);
    if (rules) checkSingle(field, undefined, rules, path, walk.out);
    return;
  }
  if (!isMessage(value)) {
    // An unboxed wrapper (number, string, boolean) or a Struct/Value as plain JSON.
    if (rules) checkSingle(field, value, rules, path, walk.out);
    return;
  }
  if (wrapperTypes.has(value.$typeName)) {
    if (rules) checkSingle(field, (value as Message & { value: unknown }).value, rules, path, walk.out);
    return;
  }
  if (rules) checkSingle(field, value, rules, path, walk.out);
  if (rules?.message?.skip) return;
  if (value.$typeName === 'google.protobuf.Any') {
    const payload = anyUnpack(value as Any, walk.registry);
    if (payload) walkMessage(payload, `${path}<${payload.$typeName}>`, walk);
    return;
  }
  walkMessage(value, path, walk);
};

const checkList = (
  field: DescField,
  items: Value[],
  rules: FieldRules | undefined,
  path: string,
  walk: Walk,
) => {
  const repeated = rules?.type.case === 'repeated' ? rules.type.value : undefined;
  if (repeated) {
    const has = (name: string) => set(repeated, RepeatedRulesSchema, name);
    if (has('minItems') && items.length < Number(repeated.minItems))
      walk.out.push(`${path}: must have at least ${repeated.minItems} item(s)`);
    if (has('maxItems') && items.length > Number(repeated.maxItems))
      walk.out.push(`${path}: must have at most ${repeated.maxItems} item(s)`);
    if (
      repeated.unique &&
      new Set(items.map((item) => (isMessage(item) ? item : String(item)))).size !== items.length
    )
      walk.out.push(`${path}: items must be unique`);
  }
  const itemRules = repeated?.items;
  items.forEach((item, index) => {
    const itemPath = `${path}[${index}]`;
    if (field.fieldKind === 'list' && field.listKind === 'message')
      checkMessageValue(field, item, itemRules, itemPath, walk);
    else if (itemRules) checkSingle(field, item, itemRules, itemPath, walk.out);
  });
};

const checkMap = (
  field: DescField,
  entries: Record<string, Value>,
  rules: FieldRules | undefined,
  path: string,
  walk: Walk,
) => {
  const mapRules = rules?.type.case === 'map' ? rules.type.value : undefined;
  const keys = Object.keys(entries).sort();
  if (mapRules) {
    const has = (name: string) => set(mapRules, MapRulesSchema, name);
    if (has('minPairs') && keys.length < Number(mapRules.minPairs))
      walk.out.push(`${path}: must have at least ${mapRules.minPairs} entr(ies)`);
    if (has('maxPairs') && keys.length > Number(mapRules.maxPairs))
      walk.out.push(`${path}: must have at most ${mapRules.maxPairs} entr(ies)`);
  }
  for (const key of keys) {
    const entryPath = `${path}["${key}"]`;
    if (mapRules?.keys) checkSingle(field, key, mapRules.keys, `${entryPath} (key)`, walk.out);
    if (field.fieldKind === 'map' && field.mapKind === 'message')
      checkMessageValue(field, entries[key], mapRules?.values, entryPath, walk);
    else if (mapRules?.values) checkSingle(field, entries[key], mapRules.values, entryPath, walk.out);
  }
};

// Envoy compiles every RegexMatcher with RE2 when it loads config; a pattern RE2 rejects makes it
// NACK the whole update, so check it here too (beyond what validate.rules can express).
const checkRegexMatcher = (message: Message, path: string, walk: Walk): void => {
  if (message.$typeName !== 'envoy.type.matcher.v3.RegexMatcher') return;
  const regex = (message as Message & { regex: string }).regex;
  try {
    RE2JS.compile(regex);
  } catch (error) {
    walk.out.push(
      `${path}.regex: not a valid RE2 pattern: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
};

/** Whether a field's value holds messages to walk into (its rules aside). */
const hasMessages = (field: DescField, value: Value): boolean => {
  switch (field.fieldKind) {
    case 'message':
      return true;
    case 'list':
      return field.listKind === 'message' && (value as Value[]).length > 0;
    case 'map':
      return field.mapKind === 'message' && Object.keys(value as Record<string, Value>).length > 0;
    default:
      return false;
  }
};

const walkMessage = (message: Message, path: string, walk: Walk): void => {
  const schema = walk.registry.getMessage(message.$typeName);
  if (!schema) return;
  checkRegexMatcher(message, path, walk);
  if (isDisabled(schema)) return;
  const record = message as unknown as Record<string, Value>;
  for (const oneof of schema.oneofs) {
    const selected = record[oneof.localName] as { case?: string } | undefined;
    if (isRequiredOneof(oneof) && selected?.case === undefined)
      walk.out.push(`${path}: one of ${oneof.fields.map((f) => f.name).join(', ')} is required`);
  }
  for (const field of schema.fields) {
    let value: Value;
    if (field.oneof) {
      const selected = record[field.oneof.localName] as { case?: string; value?: Value } | undefined;
      // Unselected oneof members are not validated.
      if (selected?.case !== field.localName) continue;
      value = selected.value;
    } else {
      value = record[field.localName];
    }
    const rules = fieldRulesOf(field);
    // Most fields are unset and carry no rules: skip them before building a path.
    if (!rules && (value === undefined || !hasMessages(field, value))) continue;
    const fieldPath = `${path}.${field.name}`;
    switch (field.fieldKind) {
      case 'list':
        checkList(field, value as Value[], rules, fieldPath, walk);
        break;
      case 'map':
        checkMap(field, value as Record<string, Value>, rules, fieldPath, walk);
        break;
      case 'message':
        checkMessageValue(field, value, rules, fieldPath, walk);
        break;
      default:
        if (rules) checkSingle(field, value, rules, fieldPath, walk.out);
    }
  }
};

/**
 * Checks a message (and everything inside it, Any payloads included) against the `validate.rules`
 * annotations of Envoy's protos. Returns the violations as "path: problem" strings; empty = valid.
 */
export const validateResource = (message: Message, registry: Registry = envoyRegistry): string[] => {
  const walk: Walk = { registry, out: [] };
  if (!registry.getMessage(message.$typeName)) return [`${message.$typeName}: type unknown to the validator`];
  walkMessage(message, message.$typeName.split('.').pop() ?? message.$typeName, walk);
  return [...new Set(walk.out)];
};
