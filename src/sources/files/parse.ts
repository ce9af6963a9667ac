// Parsing manifest files: multi-document YAML or JSON into Kubernetes objects, with per-document errors.
import { parseAllDocuments } from 'yaml';
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

/** Parses one manifest file's text. JSON files are YAML too, so one parser serves both. */
export const parseManifest = (file: string, text: string): ParsedManifest => {
  const objects: KubeObject[] = [];
  const errors: ManifestError[] = [];
  const documents = parseAllDocuments(text, { uniqueKeys: false });
  const list = Array.isArray(documents) ? documents : [documents];
  list.forEach((document, index) => {
    if (document.errors.length > 0) {
      errors.push({ file, document: index, message: document.errors[0].message.split('\n')[0] });
      return;
    }
    const value: unknown = document.toJS({ maxAliasCount: 100 });
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
