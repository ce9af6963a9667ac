// Parsing manifest files: multi-document YAML or JSON into Kubernetes objects, with per-document errors.
import { createRequire } from 'node:module';
import { CORE_SCHEMA, loadAll } from 'js-yaml';
import type { KubeObject } from '../../apis/meta.js';
import type { SourceProblem } from '../source.js';

/** One problem in a manifest file, located by file, document index (0-based) and line (1-based) where known. */
export type ManifestError = SourceProblem;

/** One line naming a manifest problem: `a.yaml: document 2 (line 14): missing kind`. */
export const describeManifestError = (error: ManifestError): string => {
  const where = [
    error.document === undefined ? '' : `document ${error.document}`,
    error.line === undefined ? '' : `(line ${error.line})`,
  ]
    .filter((part) => part !== '')
    .join(' ');
  return `${error.file}: ${where === '' ? '' : `${where}: `}${error.message}`;
};

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
  for (const field of ['annotations', 'labels'] as const) {
    const map = metadata[field];
    if (map !== undefined && map !== null && (typeof map !== 'object' || Array.isArray(map)))
      return `metadata.${field} is not a map`;
  }
  return undefined;
};

/** `annotations:` or `labels:` left empty is null in YAML and means "none", as the API server reads it. */
const dropEmptyMaps = (metadata: Record<string, unknown>): Record<string, unknown> => {
  if (metadata.annotations !== null && metadata.labels !== null) return metadata;
  const { annotations, labels, ...rest } = metadata;
  return {
    ...rest,
    ...(annotations === null ? {} : { annotations }),
    ...(labels === null ? {} : { labels }),
  };
};

/**
 * Most nodes a document may hold once its aliases are expanded. Aliased nodes are shared, so a few
 * hundred bytes can stand for billions of nodes that a later walk (serialization, comparison) visits.
 */
export const maxExpandedNodes = 1_000_000;

/** Whether `value`, walked as a tree (shared nodes counted each time they are reached), exceeds `limit` nodes. */
const expandsBeyond = (value: unknown, limit: number): boolean => {
  let count = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (++count > limit) return true;
    if (typeof node !== 'object' || node === null) continue;
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push(child);
  }
  return false;
};

/** Cluster-scoped kinds keep an empty namespace; namespaced ones default to "default", as kubectl does. */
const clusterScopedKinds = new Set(['IngressClass', 'Namespace', 'CustomResourceDefinition']);

/** A document's value, or the first line of why it does not parse; with its line when known. */
type ParsedDocument = ({ value: unknown } | { error: string }) & { line?: number };

// An anchor (`&name`) where a node can start: after a separator, or right after the `:` of a JSON-style
// key (`{"a":&x [1]}`). Aliases need one, so text without any cannot expand.
const anchorPattern = /(^|[\s[{,:])&[^\s]/;

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
  const yaml = loadYaml();
  const lineCounter = new yaml.LineCounter();
  const documents = yaml.parseAllDocuments(text, { uniqueKeys: false, lineCounter });
  return (Array.isArray(documents) ? documents : [documents]).map((document) => {
    const line = lineCounter.linePos(document.contents?.range[0] ?? document.range[0]).line;
    if (document.errors.length > 0) {
      const [first] = document.errors;
      // The position travels as `line`; the message keeps only what is wrong.
      const message = first.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      return { error: message, line: first.linePos?.[0].line ?? line };
    }
    try {
      return { value: document.toJS({ maxAliasCount: 100 }) as unknown, line };
    } catch (error) {
      // Too many aliases ("resource exhaustion"), an alias to nothing.
      return { error: error instanceof Error ? error.message : String(error), line };
    }
  });
};

/** Parses one manifest file's text. JSON files are YAML too, so one parser serves both. */
export const parseManifest = (file: string, text: string): ParsedManifest => {
  const fast = parseFast(text);
  // Only an alias (`*name`) can make a document bigger than its text.
  const mayAlias = text.includes('*');
  const parsed = readDocuments(file, fast ?? parseCarefully(text), mayAlias);
  // The fast parser knows no line numbers: a file with problems is read again to locate them.
  return fast && parsed.errors.length > 0 ? readDocuments(file, parseCarefully(text), mayAlias) : parsed;
};

/** The objects of parsed documents, and each document's problems. */
const readDocuments = (file: string, documents: ParsedDocument[], mayAlias: boolean): ParsedManifest => {
  const objects: KubeObject[] = [];
  const errors: ManifestError[] = [];
  documents.forEach((document, index) => {
    const at = { file, document: index, ...(document.line === undefined ? {} : { line: document.line }) };
    if ('error' in document) {
      errors.push({ ...at, message: document.error });
      return;
    }
    const value = document.value;
    if (value === null || value === undefined) return; // empty document
    if (mayAlias && expandsBeyond(value, maxExpandedNodes)) {
      errors.push({ ...at, message: `document expands to more than ${maxExpandedNodes} nodes (aliases)` });
      return;
    }
    const items =
      typeof value === 'object' && !Array.isArray(value)
        ? flatten(value as Record<string, unknown>)
        : [value];
    for (const item of items) {
      const problem = envelopeProblem(item);
      if (problem) {
        errors.push({ ...at, message: problem });
        continue;
      }
      const object = item as KubeObject;
      const metadata = dropEmptyMaps(object.metadata as unknown as Record<string, unknown>);
      object.metadata = metadata as unknown as KubeObject['metadata'];
      if (!clusterScopedKinds.has(object.kind) && !object.metadata.namespace) {
        object.metadata = { ...object.metadata, namespace: 'default' };
      }
      objects.push(object);
    }
  });
  return { objects, errors };
};
