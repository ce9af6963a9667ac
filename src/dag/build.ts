// The build stage: store objects → DAG + per-object status. Pure: no I/O, no clock, no randomness.
import type { StoreView } from '../store/store.js';
import type { ObjectStatus } from '../status/types.js';
import type { Dag } from './types.js';

/** Options that change how objects become routing config (all from `contour serve` flags). */
export interface BuildOptions {
  /** Namespaces where root HTTPProxies may live; empty = any. */
  rootNamespaces: string[];
  /** Ingress classes this instance serves; empty = Contour's default ("contour"). */
  ingressClassNames: string[];
  enableExternalNameService: boolean;
}

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

/** Builds the DAG and statuses from the store's current objects. */
export const buildDag = (_store: StoreView, _options: BuildOptions): BuildResult => ({
  // Placeholder until the DAG processors land.
  dag: { httpVirtualHosts: [], httpsVirtualHosts: [], clusters: [], secrets: [] },
  statuses: [],
});
