// Kubernetes object envelope types shared by every kind contour-ts reads.

/** Object metadata: the subset of ObjectMeta contour-ts keeps. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Any Kubernetes object, before it is narrowed by kind. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: unknown;
  status?: unknown;
  [field: string]: unknown;
}

/** The kinds the pipeline consumes. */
export const watchedKinds = [
  'HTTPProxy',
  'TLSCertificateDelegation',
  'ExtensionService',
  'Ingress',
  'IngressClass',
  'Service',
  'EndpointSlice',
  'Secret',
] as const;

export type WatchedKind = (typeof watchedKinds)[number];

/** A reference to one object by kind, namespace and name. */
export interface ObjectRef {
  kind: string;
  namespace: string;
  name: string;
}

/** Whether a kind name is one the pipeline consumes. */
export const isWatchedKind = (kind: string): kind is WatchedKind =>
  (watchedKinds as readonly string[]).includes(kind);

/** The store key of an object: kind/namespace/name (namespace empty for cluster-scoped kinds). */
export const objectKey = (ref: ObjectRef): string => `${ref.kind}/${ref.namespace}/${ref.name}`;

/** The ref of an object. */
export const refOf = (object: KubeObject): ObjectRef => ({
  kind: object.kind,
  namespace: object.metadata.namespace ?? '',
  name: object.metadata.name,
});
