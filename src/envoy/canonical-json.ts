// Canonical JSON of Envoy resources: proto field names, Any as `@type` + fields (the shape of
// Envoy's config_dump), object keys sorted (`@type` first), two-space indentation. Used by golden
// files, /debug/xds and `contour cli`; equal resources always print identically.
import { toJson, type JsonValue, type Message } from '@bufbuild/protobuf';
import { envoyRegistry } from './registry.js';
import { typeUrls, type EnvoyResources, type ResourceType } from './resources.js';

export interface CanonicalJsonOptions {
  /** Replace private keys with "[redacted]", as Envoy's config_dump does. Default false. */
  redactPrivateKeys?: boolean;
}

const sortKeys = (value: JsonValue): JsonValue => {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value).sort((a, b) => {
    if (a === '@type' || b === '@type') return a === '@type' ? -1 : b === '@type' ? 1 : 0;
    return a < b ? -1 : a > b ? 1 : 0;
  });
  const sorted: Record<string, JsonValue> = {};
  for (const key of keys) sorted[key] = sortKeys(value[key]);
  return sorted;
};

const redact = (value: JsonValue): JsonValue => {
  if (Array.isArray(value)) return value.map(redact);
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, JsonValue> = {};
  for (const [key, child] of Object.entries(value))
    copy[key] = key === 'private_key' ? '[redacted]' : redact(child);
  return copy;
};

/** A message as canonical JSON, with `@type` naming its type like a packed Any. */
export const resourceToJson = (message: Message, options: CanonicalJsonOptions = {}): JsonValue => {
  const schema = envoyRegistry.getMessage(message.$typeName);
  if (!schema) throw new Error(`canonical JSON: type ${message.$typeName} is not in the Envoy registry`);
  const json = toJson(schema, message, { registry: envoyRegistry, useProtoFieldName: true });
  const withType: JsonValue = {
    '@type': `type.googleapis.com/${message.$typeName}`,
    ...(json as Record<string, JsonValue>),
  };
  return sortKeys(options.redactPrivateKeys ? redact(withType) : withType);
};

const resourceKeys: Record<ResourceType, keyof EnvoyResources> = {
  cluster: 'clusters',
  endpoint: 'endpoints',
  listener: 'listeners',
  route: 'routes',
  secret: 'secrets',
  runtime: 'runtimes',
};

/** Every resource of a build as canonical JSON, one key per xDS type (sorted), each list in resource order. */
export const resourcesToJson = (resources: EnvoyResources, options: CanonicalJsonOptions = {}): JsonValue => {
  const out: Record<string, JsonValue> = {};
  for (const type of Object.keys(typeUrls).sort() as ResourceType[]) {
    const key = resourceKeys[type];
    out[key] = ((resources[key] ?? []) as Message[]).map((message) => resourceToJson(message, options));
  }
  return out;
};

/** The canonical text of a JSON value: sorted keys, two-space indentation, trailing newline. */
export const canonicalText = (value: JsonValue): string => `${JSON.stringify(sortKeys(value), null, 2)}\n`;
