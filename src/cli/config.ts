// `contour serve` flags → one validated Config. The only place flags are interpreted.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { parseDuration } from '../util/duration.js';
import type { MetricsTlsFiles } from '../config/settings.js';
import { parseContourFlags, type ContourFlagSettings } from './contour-flags.js';
import { defaultInputLimits, type InputLimits } from '../dag/limits.js';
import type { GlobalHeadersPolicy } from '../dag/global-headers.js';
import type { ClusterDefaults } from '../dag/cluster-defaults.js';
import { defaultManifestFileLimits, type ManifestFileLimits } from '../sources/files/file-limits.js';
import { defaultHttpListenerLimits, type HttpListenerLimits } from '../lifecycle/http-server.js';
import { defaultXdsLimits, type XdsLimits } from '../xds/server/limits.js';

/** Everything `contour serve` needs, validated. */
export interface ServeConfig extends ContourFlagSettings {
  /** Standalone mode: a directory of manifests. Absent = Kubernetes mode. */
  manifests?: string;
  /** Standalone mode: period of the full rescan behind the watcher (0: none). */
  manifestsResyncPeriodMs: number;
  kubeconfig?: string;
  inCluster: boolean;
  xdsAddress: string;
  xdsPort: number;
  /** TLS files for the xDS server (mTLS with Envoy). */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  insecure: boolean;
  /** Serve a Listener per fqdn for proxyless gRPC clients (`xds:///<fqdn>`). */
  proxylessGrpc: boolean;
  healthAddress: string;
  healthPort: number;
  /** Contour's metrics server (`--http-address`/`--http-port`, `metrics.contour`); absent = the health server. */
  metricsAddress?: string;
  metricsPort?: number;
  /** Serve /metrics over TLS (`metrics.contour.server-certificate-path` and friends). */
  metricsTls?: MetricsTlsFiles;
  debugAddress: string;
  debugPort: number;
  envoyHttpAddress: string;
  envoyHttpPort: number;
  envoyHttpsAddress: string;
  envoyHttpsPort: number;
  statsAddress: string;
  statsPort: number;
  holdoffDelayMs: number;
  holdoffMaxDelayMs: number;
  rootNamespaces: string[];
  watchNamespaces: string[];
  ingressClassNames: string[];
  ingressStatusAddress?: string;
  enableExternalNameService: boolean;
  /** Ignore HTTPProxy `permitInsecure` (config file `disablePermitInsecure`). */
  disablePermitInsecure: boolean;
  /** Contour's global header policy (config file `policy`). */
  globalHeadersPolicy?: GlobalHeadersPolicy;
  /** Contour's fallback certificate (config file `tls.fallback-certificate`). */
  fallbackCertificate?: { namespace: string; name: string };
  /** Contour's `cluster.*` settings and `tls.envoy-client-certificate` (config file or ContourConfiguration). */
  clusterDefaults?: ClusterDefaults;
  envoyServiceName: string;
  envoyServiceNamespace: string;
  leaderElection: {
    disabled: boolean;
    resourceName: string;
    resourceNamespace: string;
    leaseDurationMs: number;
    renewDeadlineMs: number;
    retryPeriodMs: number;
    identity: string;
  };
  logFormat: 'json' | 'text';
  debug: boolean;
  /** Bounds on what one object may cost (issue 13): --max-include-depth and friends. */
  inputLimits: InputLimits;
  /** Standalone mode: bounds on one manifest file, --max-manifest-file-bytes and --max-documents-per-file. */
  manifestFileLimits: ManifestFileLimits;
  // ---- Exposure limits (issue 13, items 10-11): flags `--http-*` and `--xds-max-*` ----
  /** Bounds of the health and debug listeners (each listener on its own). */
  httpLimits: HttpListenerLimits;
  /** Bounds of the xDS server's streams and requests. */
  xdsLimits: XdsLimits;
  // ---- end of exposure limits ----
}

/** The raw option values commander hands over (all strings or booleans). */
export type RawServeOptions = Record<string, string | boolean | undefined>;

const list = (value: string | boolean | undefined): string[] =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '')
    : [];

const port = (flag: string, value: string | boolean | undefined): number => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65535) {
    throw new Error(`--${flag}: "${String(value)}" is not a port number (0-65535)`);
  }
  return number;
};

const duration = (flag: string, value: string | boolean | undefined): number => {
  try {
    return parseDuration(String(value));
  } catch (error) {
    throw new Error(`--${flag}: ${(error as Error).message}`);
  }
};

const text = (value: string | boolean | undefined): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

// ---- Exposure limits (issue 13, items 10-11) ----
const positiveInteger = (flag: string, value: string | boolean | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1) {
    throw new Error(`--${flag}: "${String(value)}" is not a positive whole number`);
  }
  return number;
};

const positiveDuration = (flag: string, value: string | boolean | undefined, fallbackMs: number): number => {
  if (value === undefined) return fallbackMs;
  const ms = duration(flag, value);
  if (!(ms >= 1)) throw new Error(`--${flag}: "${String(value)}" must be at least 1ms`);
  return ms;
};

const httpLimitsOf = (raw: RawServeOptions): HttpListenerLimits => {
  const limits: HttpListenerLimits = {
    maxConnections: positiveInteger(
      'http-max-connections',
      raw.httpMaxConnections,
      defaultHttpListenerLimits.maxConnections,
    ),
    headersTimeoutMs: positiveDuration(
      'http-headers-timeout',
      raw.httpHeadersTimeout,
      defaultHttpListenerLimits.headersTimeoutMs,
    ),
    requestTimeoutMs: positiveDuration(
      'http-request-timeout',
      raw.httpRequestTimeout,
      defaultHttpListenerLimits.requestTimeoutMs,
    ),
    keepAliveTimeoutMs: positiveDuration(
      'http-keepalive-timeout',
      raw.httpKeepaliveTimeout,
      defaultHttpListenerLimits.keepAliveTimeoutMs,
    ),
  };
  if (limits.requestTimeoutMs < limits.headersTimeoutMs) {
    throw new Error('--http-request-timeout must not be shorter than --http-headers-timeout');
  }
  return limits;
};

const xdsLimitsOf = (raw: RawServeOptions): XdsLimits => ({
  maxNamesPerRequest: positiveInteger(
    'xds-max-names-per-request',
    raw.xdsMaxNamesPerRequest,
    defaultXdsLimits.maxNamesPerRequest,
  ),
  maxNamesPerStream: positiveInteger(
    'xds-max-names-per-stream',
    raw.xdsMaxNamesPerStream,
    defaultXdsLimits.maxNamesPerStream,
  ),
  maxStreamsPerConnection: positiveInteger(
    'xds-max-streams-per-connection',
    raw.xdsMaxStreamsPerConnection,
    defaultXdsLimits.maxStreamsPerConnection,
  ),
  maxStreams: positiveInteger('xds-max-streams', raw.xdsMaxStreams, defaultXdsLimits.maxStreams),
  maxReceiveMessageBytes: positiveInteger(
    'xds-max-receive-message-size',
    raw.xdsMaxReceiveMessageSize,
    defaultXdsLimits.maxReceiveMessageBytes,
  ),
});
// ---- end of exposure limits ----

/** Validates raw flag values; throws an Error whose message names the bad flag. */
export const parseServeConfig = (raw: RawServeOptions, env: NodeJS.ProcessEnv = process.env): ServeConfig => {
  const namespace = env.CONTOUR_NAMESPACE || 'projectcontour';
  const logFormat = String(raw.logFormat ?? 'json');
  if (logFormat !== 'json' && logFormat !== 'text')
    throw new Error(`--log-format: must be json or text, not "${logFormat}"`);
  const config: ServeConfig = {
    ...parseContourFlags(raw),
    manifests: text(raw.manifests),
    manifestsResyncPeriodMs: duration('manifests-resync-period', raw.manifestsResyncPeriod ?? '60s'),
    kubeconfig: text(raw.kubeconfig),
    inCluster: raw.incluster === true,
    xdsAddress: String(raw.xdsAddress),
    xdsPort: port('xds-port', raw.xdsPort),
    caFile: text(raw.contourCafile),
    certFile: text(raw.contourCertFile),
    keyFile: text(raw.contourKeyFile),
    insecure: raw.insecure === true,
    proxylessGrpc: raw.enableProxylessGrpc === true,
    healthAddress: String(raw.healthAddress),
    healthPort: port('health-port', raw.healthPort),
    metricsAddress: text(raw.httpAddress),
    metricsPort: raw.httpPort === undefined ? undefined : port('http-port', raw.httpPort),
    debugAddress: String(raw.debugHttpAddress),
    debugPort: port('debug-http-port', raw.debugHttpPort),
    envoyHttpAddress: String(raw.envoyServiceHttpAddress),
    envoyHttpPort: port('envoy-service-http-port', raw.envoyServiceHttpPort),
    envoyHttpsAddress: String(raw.envoyServiceHttpsAddress),
    envoyHttpsPort: port('envoy-service-https-port', raw.envoyServiceHttpsPort),
    statsAddress: String(raw.statsAddress),
    statsPort: port('stats-port', raw.statsPort),
    holdoffDelayMs: duration('holdoff-delay', raw.holdoffDelay),
    holdoffMaxDelayMs: duration('holdoff-max-delay', raw.holdoffMaxDelay),
    rootNamespaces: list(raw.rootNamespaces),
    watchNamespaces: list(raw.watchNamespaces),
    ingressClassNames: list(raw.ingressClassName),
    ingressStatusAddress: text(raw.ingressStatusAddress),
    enableExternalNameService: raw.enableExternalNameService === true,
    disablePermitInsecure: false,
    envoyServiceName: String(raw.envoyServiceName ?? 'envoy'),
    envoyServiceNamespace: text(raw.envoyServiceNamespace) ?? namespace,
    leaderElection: {
      disabled: raw.disableLeaderElection === true,
      resourceName: String(raw.leaderElectionResourceName ?? 'leader-elect'),
      resourceNamespace: text(raw.leaderElectionResourceNamespace) ?? namespace,
      leaseDurationMs: duration('leader-election-lease-duration', raw.leaderElectionLeaseDuration ?? '15s'),
      renewDeadlineMs: duration('leader-election-renew-deadline', raw.leaderElectionRenewDeadline ?? '10s'),
      retryPeriodMs: duration('leader-election-retry-period', raw.leaderElectionRetryPeriod ?? '2s'),
      // In a container the pid is usually 1 on every replica: add the host name and a random suffix.
      identity: env.POD_NAME || `contour-${hostname()}-${randomBytes(4).toString('hex')}`,
    },
    logFormat,
    debug: raw.debug === true,
    inputLimits: parseInputLimits(raw),
    manifestFileLimits: parseManifestFileLimits(raw),
    httpLimits: httpLimitsOf(raw),
    xdsLimits: xdsLimitsOf(raw),
  };
  if (config.holdoffMaxDelayMs < config.holdoffDelayMs) {
    throw new Error('--holdoff-max-delay must not be shorter than --holdoff-delay');
  }
  const le = config.leaderElection;
  if (!le.disabled && !(le.leaseDurationMs > le.renewDeadlineMs && le.renewDeadlineMs > le.retryPeriodMs)) {
    throw new Error(
      'leader election: lease duration must exceed renew deadline, which must exceed retry period',
    );
  }
  const tlsFiles = [config.caFile, config.certFile, config.keyFile].filter((file) => file !== undefined);
  if (tlsFiles.length > 0 && tlsFiles.length < 3) {
    throw new Error('--contour-cafile, --contour-cert-file and --contour-key-file must be given together');
  }
  return config;
};

// ---- Input limits (issue 13: hostile input) -------------------------------------------------------
// Each bound on what one object may make the build do is a flag; an object past a bound is refused
// with a status naming it and the flag. Kept in one block: `contour serve` registers these flags.

/** The input-limit flags of `contour serve`: flag name, the InputLimits field it sets, and what it bounds. */
export const inputLimitFlags: { flag: string; field: keyof InputLimits; description: string }[] = [
  {
    flag: 'max-include-depth',
    field: 'maxIncludeDepth',
    description: 'longest HTTPProxy include chain below a root',
  },
  {
    flag: 'max-routes-per-vhost',
    field: 'maxRoutesPerVirtualHost',
    description: 'most routes one root HTTPProxy may produce (includes expanded)',
  },
  {
    flag: 'max-includes-per-vhost',
    field: 'maxIncludesPerVirtualHost',
    description: 'most include visits in one root HTTPProxy include tree',
  },
  {
    flag: 'max-regex-length',
    field: 'maxRegexLength',
    description: 'longest regex in a condition or path (characters)',
  },
  { flag: 'max-pem-bytes', field: 'maxPemBytes', description: 'largest PEM value of a Secret (bytes)' },
  { flag: 'max-pem-blocks', field: 'maxPemBlocks', description: 'most PEM blocks in one Secret value' },
];

const camelCase = (flag: string): string =>
  flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());

/** The input limits from their flags (absent flags keep the defaults); throws naming a bad flag. */
export const parseInputLimits = (raw: RawServeOptions): InputLimits => {
  const limits = { ...defaultInputLimits };
  for (const { flag, field } of inputLimitFlags) {
    limits[field] = positiveInteger(flag, raw[camelCase(flag)], defaultInputLimits[field]);
  }
  return limits;
};

/** The manifest file limit flags of `contour serve` (standalone mode): flag, ManifestFileLimits field, what it bounds. */
export const manifestFileLimitFlags: {
  flag: string;
  field: keyof ManifestFileLimits;
  description: string;
}[] = [
  {
    flag: 'max-manifest-file-bytes',
    field: 'maxFileBytes',
    description: 'standalone mode: largest manifest file (bytes)',
  },
  {
    flag: 'max-documents-per-file',
    field: 'maxDocumentsPerFile',
    description: 'standalone mode: most YAML documents in one manifest file',
  },
];

/** The manifest file limits from their flags (absent flags keep the defaults); throws naming a bad flag. */
export const parseManifestFileLimits = (raw: RawServeOptions): ManifestFileLimits => {
  const limits = { ...defaultManifestFileLimits };
  for (const { flag, field } of manifestFileLimitFlags) {
    limits[field] = positiveInteger(flag, raw[camelCase(flag)], defaultManifestFileLimits[field]);
  }
  return limits;
};
