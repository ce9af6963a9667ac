// What every processor of one build shares.
import type { StoreView } from '../store/store.js';
import type { DagAccumulator } from './accumulator.js';
import type { BuildMemo } from './build-memo.js';
import type { SecretResolver } from './secrets.js';
import type { StatusRecorder } from './status.js';
import type { InputLimits } from './limits.js';
import type { GlobalHeadersPolicy } from './global-headers.js';
import type { ClusterDefaults } from './cluster-defaults.js';

/** Options that change how objects become routing config (all from `contour serve` flags). */
export interface BuildOptions {
  /** Namespaces where root HTTPProxies may live; empty = any. */
  rootNamespaces: string[];
  /** Ingress classes this instance serves; empty = Contour's default ("contour"). */
  ingressClassNames: string[];
  enableExternalNameService: boolean;
  /** Ignore HTTPProxy `permitInsecure` (Contour's disablePermitInsecure). Default false. */
  disablePermitInsecure?: boolean;
  /** Contour's global header policy (config `policy`): set/removed on every HTTPProxy (and maybe Ingress) upstream. */
  globalHeadersPolicy?: GlobalHeadersPolicy;
  /**
   * Contour's fallback certificate (`tls.fallback-certificate`): the Secret served on the TLS listener to
   * clients without (or with an unknown) SNI, for hosts that set `tls.enableFallbackCertificate`.
   */
  fallbackCertificate?: { namespace: string; name: string };
  /** Kinds the source cannot read (e.g. Secrets forbidden), with why: named in the errors they cause. */
  unreadableKinds?: ReadonlyMap<string, string>;
  /** Bounds on what one object may cost (`src/dag/limits.ts`); the defaults when absent. */
  limits?: Partial<InputLimits>;
  /** Contour's `cluster.*` settings and `tls.envoy-client-certificate` (cluster-defaults.ts). Default none. */
  clusterDefaults?: ClusterDefaults;
}

/** The state one build's processors share. */
export interface BuildContext {
  store: StoreView;
  options: BuildOptions;
  dag: DagAccumulator;
  status: StatusRecorder;
  secrets: SecretResolver;
  /** What earlier builds (and the manifest parser threads) worked out and this one may reuse. */
  memo: BuildMemo;
}

/** The ingress class Contour serves when none is configured. */
export const defaultIngressClassName = 'contour';

/** Whether an object's class (annotation first, then spec field) is one this instance serves. */
export const ingressClassMatches = (
  annotations: Record<string, string> | undefined,
  specClassName: string | undefined,
  classNames: string[],
): boolean => {
  const annotated =
    annotations?.['projectcontour.io/ingress.class'] || annotations?.['kubernetes.io/ingress.class'] || '';
  const objectClass = annotated || (typeof specClassName === 'string' ? specClassName : '');
  if (classNames.length === 0) return objectClass === '' || objectClass === defaultIngressClassName;
  return classNames.includes(objectClass);
};
