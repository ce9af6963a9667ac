// Parsing manifest files: multi-document YAML or JSON into Kubernetes objects, with per-document errors.
import { createRequire } from 'node:module';
import { CORE_SCHEMA, loadAll } from 'js-yaml';
import type { KubeObject } from '../../apis/meta.js';

/** One problem in a manifest file, located by file and document index (0-based). */
export interface ManifestError {
  file: string;
  document: number;
  message: string;
}

export interface ParsedManifest {
  objects: KubeObject[];
  errors: ManifestError[];
}

/** Flattens a `List` (kind: List / *List) into its items. */
const flatten = (value: Record<string, unknown>): unknown[] =>
  typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)
    ? value.items
    : [value];

/** Checks the envelope every object needs; returns a problem or undefined. */
const envelopeProblem = (value: unknown): string | undefined => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'document is not an object';
  const object = value as Record<string, unknown>;
  if (typeof object.apiVersion !== 'string' || object.apiVersion === '') return 'missing apiVersion';
  if (typeof object.kind !== 'string' || object.kind === '') return 'missing kind';
  const metadata = object.metadata as Record<string, unknown> | undefined;
  if (typeof metadata !== 'object' || metadata === null) return 'missing metadata';
  if (typeof metadata.name !== 'string' || metadata.name === '') return 'missing metadata.name';
  if (metadata.namespace !== undefined && typeof metadata.namespace !== 'string')
    return 'metadata.namespace is not a string';
  return undefined;
};

/** Cluster-scoped kinds keep an empty namespace; namespaced ones default to "default", as kubectl does. */
const clusterScopedKinds = new Set(['IngressClass', 'Namespace', 'CustomResourceDefinition']);

/** A document's value, or the first line of why it does not parse. */
type ParsedDocument = { value: unknown } | { error: string };

// An anchor (`&name`) where a node can start. Aliases need one, so text without any cannot expand.
const anchorPattern = /(^|[\s[{,])&[^\s]/;

/**
 * The fast path: js-yaml (YAML 1.2 core schema, duplicate keys allowed with the last winning, as
 * `kubectl` does) parses a 10,000-object directory about ten times faster than `yaml`'s document
 * model. It stops at the first syntax error and would share aliased nodes instead of bounding their
 * expansion, so such files take the careful path. Undefined means "use the careful path".
 */
const parseFast = (text: string): ParsedDocument[] | undefined => {
  if (anchorPattern.test(text)) return undefined;
  try {
    const documents: ParsedDocument[] = [];
    loadAll(text, (value) => documents.push({ value }), { schema: CORE_SCHEMA, json: true });
    return documents;
  } catch {
    return undefined;
  }
};

// `yaml` is only needed for files with anchors or errors: loaded on first use, not at every start
// (~0.1 s of module loading on the main thread and in each parser thread).
let yamlModule: typeof import('yaml') | undefined;
const loadYaml = (): typeof import('yaml') =>
  (yamlModule ??= createRequire(import.meta.url)('yaml') as typeof import('yaml'));

/** The careful path: `yaml`'s per-document errors, with alias expansion bounded. */
const parseCarefully = (text: string): ParsedDocument[] => {
  const documents = loadYaml().parseAllDocuments(text, { uniqueKeys: false });
  return (Array.isArray(documents) ? documents : [documents]).map((document) => {
    if (document.errors.length > 0) return { error: document.errors[0].message.split('\n')[0] };
    try {
      return { value: document.toJS({ maxAliasCount: 100 }) as unknown };
    } catch (error) {
      // Too many aliases ("resource exhaustion"), an alias to nothing.
      return { error: error instanceof Error ? error.message : String(error) };
    }
  });
};

/** Parses one manifest file's text. JSON files are YAML too, so one parser serves both. */
export const parseManifest = (file: string, text: string): ParsedManifest => {
  const objects: KubeObject[] = [];
  const errors: ManifestError[] = [];
  (parseFast(text) ?? parseCarefully(text)).forEach((document, index) => {
    if ('error' in document) {
      errors.push({ file, document: index, message: document.error });
      return;
    }
    const value = document.value;
    if (value === null || value === undefined) return; // empty document
    const items =
      typeof value === 'object' && !Array.isArray(value)
        ? flatten(value as Record<string, unknown>)
        : [value];
    for (const item of items) {
      const problem = envelopeProblem(item);
      if (problem) {
        errors.push({ file, document: index, message: problem });
        continue;
      }
      const object = item as KubeObject;
      if (!clusterScopedKinds.has(object.kind) && !object.metadata.namespace) {
        object.metadata = { ...object.metadata, namespace: 'default' };
      }
      objects.push(object);
    }
  });
  return { objects, errors };
};
