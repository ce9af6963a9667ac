// Strips what the pipeline never reads, so the store stays small at scale.
import type { KubeObject } from '../apis/meta.js';

const droppedAnnotations = ['kubectl.kubernetes.io/last-applied-configuration'];

/** Secret data keys the pipeline reads (TLS key pair and CA bundle). */
export const keptSecretKeys = ['tls.crt', 'tls.key', 'ca.crt', 'crl.pem'];

/** Returns the object without managedFields, bulky annotations, and Secret data we never use. */
export const compactObject = (object: KubeObject): KubeObject => {
  const metadata = { ...object.metadata } as KubeObject['metadata'] & { managedFields?: unknown };
  delete metadata.managedFields;
  if (metadata.annotations) {
    const annotations = { ...metadata.annotations };
    for (const name of droppedAnnotations) delete annotations[name];
    metadata.annotations = annotations;
  }
  const compact: KubeObject = { ...object, metadata };
  if (object.kind === 'Secret') {
    const data = object.data as Record<string, string> | undefined;
    if (data) {
      const kept: Record<string, string> = {};
      for (const key of keptSecretKeys) if (key in data) kept[key] = data[key];
      compact.data = kept;
    }
    if (object.stringData) {
      const stringData = object.stringData as Record<string, string>;
      const kept: Record<string, string> = {};
      for (const key of keptSecretKeys) if (key in stringData) kept[key] = stringData[key];
      compact.stringData = kept;
    }
  }
  return compact;
};
