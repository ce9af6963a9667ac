// Strips what the pipeline never reads, so the store stays small at scale.
import type { KubeObject } from '../apis/meta.js';

const droppedAnnotations = ['kubectl.kubernetes.io/last-applied-configuration'];

/** Secret data keys the pipeline reads (TLS key pair and CA bundle). */
export const keptSecretKeys = ['tls.crt', 'tls.key', 'ca.crt', 'crl.pem'];

const hasDroppedAnnotation = (annotations: Record<string, string> | undefined): boolean =>
  annotations !== undefined && droppedAnnotations.some((name) => name in annotations);

/**
 * Returns the object without managedFields, bulky annotations, and Secret data we never use. An object
 * with nothing to strip is returned as it is: a copy would duplicate every object the sources keep
 * (the files source holds what it delivered, to diff the next scan against).
 */
export const compactObject = (object: KubeObject): KubeObject => {
  const original = object.metadata as KubeObject['metadata'] & { managedFields?: unknown };
  const stripMetadata = 'managedFields' in original || hasDroppedAnnotation(original.annotations);
  if (!stripMetadata && object.kind !== 'Secret') return object;
  const metadata = { ...original };
  delete metadata.managedFields;
  if (metadata.annotations) {
    const annotations = { ...metadata.annotations };
    for (const name of droppedAnnotations) delete annotations[name];
    metadata.annotations = annotations;
  }
  const compact: KubeObject = { ...object, metadata };
  if (object.kind === 'Secret') {
    // Secrets from manifest files were never validated: data that is not a map is kept as it is, for the
    // build to reject with a status, rather than crash the store.
    for (const field of ['data', 'stringData'] as const) {
      const values = object[field];
      if (typeof values !== 'object' || values === null || Array.isArray(values)) continue;
      const kept: Record<string, unknown> = {};
      for (const key of keptSecretKeys)
        if (key in values) kept[key] = (values as Record<string, unknown>)[key];
      compact[field] = kept;
    }
  }
  return compact;
};
