// The build stage: store objects → DAG + per-object status. Pure: no I/O, no clock, no randomness.
import type { StoreView } from '../store/store.js';
import type { ObjectStatus } from '../apis/status.js';
import { createDagAccumulator } from './accumulator.js';
import type { BuildContext, BuildOptions } from './context.js';
import { processHttpProxies } from './httpproxy/processor.js';
import { processIngresses } from './ingress/processor.js';
import { createBuildMemo, type BuildMemo } from './build-memo.js';
import { createSecretResolver } from './secrets.js';
import { limitsOf } from './limits.js';
import { createStatusRecorder } from './status.js';
import type { Dag } from './types.js';

export type { BuildOptions } from './context.js';

export const defaultBuildOptions: BuildOptions = {
  rootNamespaces: [],
  ingressClassNames: [],
  enableExternalNameService: false,
};

/** The result of one build. */
export interface BuildResult {
  dag: Dag;
  /** The status of every HTTPProxy (and other kinds with status), sorted by kind/namespace/name. */
  statuses: ObjectStatus[];
}

/**
 * The namespaces whose Secrets the build reads; empty = all. As Contour's Secret informer: the root
 * namespaces, plus the fallback and client certificates' namespaces when there are root namespaces.
 */
export const secretNamespacesOf = (options: BuildOptions): string[] => {
  if (options.rootNamespaces.length === 0) return options.rootNamespaces;
  const configured = [options.fallbackCertificate, options.clusterDefaults?.clientCertificate];
  return [
    ...options.rootNamespaces,
    ...configured.flatMap((reference) => (reference ? [reference.namespace] : [])),
  ];
};

/** A processor turns one kind of routing object into DAG entries and statuses. */
export type Processor = (context: BuildContext) => void;

/** The processors of a build, in order: Ingress first so HTTPProxy routes replace same-match Ingress routes (as Contour). */
export const processors: Processor[] = [processIngresses, processHttpProxies];

/**
 * Builds the DAG and statuses from the store's current objects. `memo` carries work a caller keeps
 * across builds (secret validations, cluster-name hashes); the result never depends on it.
 */
export const buildDag = (
  store: StoreView,
  options: BuildOptions,
  memo: BuildMemo = createBuildMemo(),
): BuildResult => {
  const context: BuildContext = {
    store,
    options,
    dag: createDagAccumulator(),
    status: createStatusRecorder(),
    secrets: createSecretResolver(
      store,
      options.unreadableKinds,
      limitsOf(options),
      memo.secretChecks,
      secretNamespacesOf(options),
    ),
    memo,
  };
  for (const processor of processors) processor(context);
  return { dag: context.dag.finish(), statuses: context.status.statuses() };
};
