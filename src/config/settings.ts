// A ContourConfiguration spec (from the config file or the API server) → the settings `contour serve` runs
// with. Every field is either applied or, when contour-ts cannot do what it asks yet, refused by name.
import type { ContourConfigurationSpec } from '../apis/contourconfiguration.js';
import type { TlsVersion } from '../dag/types.js';
import type { HttpVersion, RuntimeOptions, TranslateOptions } from '../envoy/options.js';
import { managedRuntimeValues } from '../envoy/runtime.js';
import type { GlobalHeadersPolicy } from '../dag/global-headers.js';
import { defaultCipherSuites, type UpstreamTlsParameters } from '../envoy/tls-context.js';
import type { ClusterDefaults } from '../dag/cluster-defaults.js';
import { parseDuration } from '../util/duration.js';
import type { AccessLogFormat } from '../envoy/access-log.js';
import { defaultJsonFields, formatStringError, jsonFieldMap } from './access-log-format.js';

/** The Envoy-side settings beyond the listener addresses (TranslateOptions minus addresses). */
export type EnvoySettings = Omit<
  TranslateOptions,
  'httpAddress' | 'httpPort' | 'httpsAddress' | 'httpsPort' | 'statsAddress' | 'statsPort'
>;

/** The files of a metrics server over TLS; with a CA file, clients must present a certificate it signed. */
export interface MetricsTlsFiles {
  certFile: string;
  keyFile: string;
  caFile?: string;
}

/** What a spec sets; fields absent here keep the value the flags gave. */
export interface SpecSettings {
  xdsAddress?: string;
  xdsPort?: number;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  insecure?: boolean;
  ingressClassNames?: string[];
  ingressStatusAddress?: string;
  debugAddress?: string;
  debugPort?: number;
  healthAddress?: string;
  healthPort?: number;
  /** Contour's metrics server (`metrics.contour`); absent = beside the health endpoint. */
  metricsAddress?: string;
  metricsPort?: number;
  metricsTls?: MetricsTlsFiles;
  envoyHttpAddress?: string;
  envoyHttpPort?: number;
  envoyHttpsAddress?: string;
  envoyHttpsPort?: number;
  statsAddress?: string;
  statsPort?: number;
  envoyServiceName?: string;
  envoyServiceNamespace?: string;
  rootNamespaces?: string[];
  /** Contour's `cluster.*` settings and `tls.envoy-client-certificate`, for the build. */
  clusterDefaults?: ClusterDefaults;
  disablePermitInsecure?: boolean;
  enableExternalNameService?: boolean;
  accessLogFormat?: 'envoy' | 'json';
  globalHeadersPolicy?: GlobalHeadersPolicy;
  /** Contour's fallback certificate (`tls.fallback-certificate`): the Secret served to clients without SNI. */
  fallbackCertificate?: { namespace: string; name: string };
  envoy: EnvoySettings;
}

/** How a refused or invalid field is named to the user: the config file's key or the CRD's path. */
export type FieldNaming = 'file' | 'crd';

// Spec paths with a different key in Contour's config file, so errors name what the user wrote.
const fileKeys: Record<string, string> = {
  'envoy.listener.compression': 'compression',
  'envoy.listener.connectionBalancer': 'listener.connection-balancer',
  'envoy.listener.maxRequestsPerConnection': 'listener.max-requests-per-connection',
  'envoy.listener.per-connection-buffer-limit-bytes': 'listener.per-connection-buffer-limit-bytes',
  'envoy.listener.maxRequestsPerIOCycle': 'listener.max-requests-per-io-cycle',
  'envoy.listener.httpMaxConcurrentStreams': 'listener.http2-max-concurrent-streams',
  'envoy.listener.maxConnectionsPerListener': 'listener.max-connections-per-listener',
  'envoy.listener.maxConnectionsToAcceptPerSocketEvent':
    'listener.max-connections-to-accept-per-socket-event',
  'envoy.listener.socketOptions': 'listener.socket-options',
  'envoy.listener.tls.minimumProtocolVersion': 'tls.minimum-protocol-version',
  'envoy.listener.tls.maximumProtocolVersion': 'tls.maximum-protocol-version',
  'envoy.listener.tls.cipherSuites': 'tls.cipher-suites',
  'envoy.listener.tls.ecdhCurves': 'tls.ecdh-curves',
  'envoy.listener.tls.fingerprint': 'tls.fingerprint',
  'envoy.clientCertificate': 'tls.envoy-client-certificate',
  'envoy.logging.accessLogFormat': 'accesslog-format',
  'envoy.logging.accessLogFormatString': 'accesslog-format-string',
  'envoy.logging.accessLogJSONFields': 'json-fields',
  'envoy.logging.accessLogLevel': 'accesslog-level',
  'envoy.defaultHTTPVersions': 'default-http-versions',
  'envoy.timeouts.requestTimeout': 'timeouts.request-timeout',
  'envoy.timeouts.connectionIdleTimeout': 'timeouts.connection-idle-timeout',
  'envoy.timeouts.streamIdleTimeout': 'timeouts.stream-idle-timeout',
  'envoy.timeouts.maxConnectionDuration': 'timeouts.max-connection-duration',
  'envoy.timeouts.delayedCloseTimeout': 'timeouts.delayed-close-timeout',
  'envoy.timeouts.connectionShutdownGracePeriod': 'timeouts.connection-shutdown-grace-period',
  'envoy.timeouts.connectTimeout': 'timeouts.connect-timeout',
  'envoy.cluster.maxRequestsPerConnection': 'cluster.max-requests-per-connection',
  'envoy.cluster.per-connection-buffer-limit-bytes': 'cluster.per-connection-buffer-limit-bytes',
  'envoy.cluster.circuitBreakers': 'cluster.circuit-breakers',
  'envoy.cluster.upstreamTLS': 'cluster.upstream-tls',
  'envoy.omEnforcedHealth': 'omEnforcedHealthListener',
  'envoy.runtimeSettings': 'runtime-settings',
  'envoy.metrics.tls': 'metrics.envoy.server-certificate-path',
  'metrics.tls': 'metrics.contour.server-certificate-path',
  'metrics.address': 'metrics.contour.address',
  'metrics.port': 'metrics.contour.port',
  'httpproxy.fallbackCertificate': 'tls.fallback-certificate',
  'policy.requestHeaders': 'policy.request-headers',
  'policy.responseHeaders': 'policy.response-headers',
};

const notSupported = 'is not supported by contour-ts yet';

const versionOf = (field: string, value: string | undefined, fallback: TlsVersion): TlsVersion => {
  if (value === undefined || value === '') return fallback;
  if (value === '1.2' || value === '1.3') return value;
  throw new Error(`${field}: invalid TLS protocol version "${value}" (1.2 or 1.3)`);
};

const validCiphers = new Set([
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES128-SHA',
  'ECDHE-RSA-AES128-SHA',
  'AES128-GCM-SHA256',
  'AES128-SHA',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-AES256-SHA',
  'ECDHE-RSA-AES256-SHA',
  'AES256-GCM-SHA384',
  'AES256-SHA',
]);
const validEcdhCurves = new Set(['X25519', 'P-256', 'P-384', 'P-521', 'X25519MLKEM768', 'MLKEM1024']);

// A cipher, or an equal-preference group "[A|B]"; duplicates dropped, as Contour sanitizes them.
const cipherSuitesOf = (field: string, suites: string[] | undefined): string[] | undefined => {
  if (!suites || suites.length === 0) return undefined;
  const invalid = suites.filter((suite) => {
    const members = suite.startsWith('[') && suite.endsWith(']') ? suite.slice(1, -1).split('|') : [suite];
    return members.some((member) => !validCiphers.has(member));
  });
  if (invalid.length > 0) throw new Error(`${field}: invalid cipher suites ${JSON.stringify(invalid)}`);
  return [...new Set(suites)];
};

const checkCurves = (field: string, curves: string[] | undefined): void => {
  const invalid = (curves ?? []).filter((curve) => !validEcdhCurves.has(curve));
  if (invalid.length > 0) throw new Error(`${field}: invalid ECDH curves ${JSON.stringify(invalid)}`);
};

/** ECDH curves deduplicated in order, as Contour sanitizes them; empty = Envoy's defaults. */
const curvesOf = (curves: string[] | undefined): string[] => [...new Set(curves ?? [])];

type EnvoyTls = NonNullable<
  NonNullable<NonNullable<ContourConfigurationSpec['envoy']>['cluster']>['upstreamTLS']
>;

/** `cluster.upstream-tls`, checked as Contour checks it, with Contour's defaults (not the listener's). */
const upstreamTlsOf = (tls: EnvoyTls, field: string): UpstreamTlsParameters => {
  const minVersion = versionOf(field, tls.minimumProtocolVersion, '1.2');
  const maxVersion = versionOf(field, tls.maximumProtocolVersion, '1.3');
  if (maxVersion < minVersion)
    throw new Error(`${field}: the minimum TLS protocol version is greater than the maximum`);
  checkCurves(field, tls.ecdhCurves);
  return {
    minVersion,
    maxVersion,
    cipherSuites: cipherSuitesOf(field, tls.cipherSuites) ?? defaultCipherSuites,
    ecdhCurves: curvesOf(tls.ecdhCurves),
  };
};

type ClusterSpec = NonNullable<NonNullable<ContourConfigurationSpec['envoy']>['cluster']>;

/** The cluster settings the build applies; undefined when none is set. */
const clusterDefaultsOf = (
  cluster: ClusterSpec,
  clientCertificate: { namespace?: string; name?: string } | undefined,
): ClusterDefaults | undefined => {
  const breakers = cluster.circuitBreakers;
  const positive = (value: number | undefined) => (value !== undefined && value > 0 ? value : undefined);
  const circuitBreakers = breakers && {
    maxConnections: positive(breakers.maxConnections),
    maxPendingRequests: positive(breakers.maxPendingRequests),
    maxRequests: positive(breakers.maxRequests),
    maxRetries: positive(breakers.maxRetries),
    perHostMaxConnections: positive(breakers.perHostMaxConnections),
  };
  const defaults: ClusterDefaults = {
    maxRequestsPerConnection: cluster.maxRequestsPerConnection,
    perConnectionBufferLimitBytes: cluster['per-connection-buffer-limit-bytes'],
    circuitBreakers: circuitBreakers && isSet(circuitBreakers) ? withoutUnset(circuitBreakers) : undefined,
    clientCertificate: clientCertificate?.name
      ? { namespace: clientCertificate.namespace ?? '', name: clientCertificate.name }
      : undefined,
  };
  return isSet(defaults) ? withoutUnset(defaults) : undefined;
};

const withoutUnset = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;

/** Contour's timeout syntax: absent/"" = Envoy's default, "infinity"/"infinite"/0 = disabled (0), else a duration. */
const timeoutOf = (field: string, value: string | undefined): number | undefined => {
  if (value === undefined || value === '') return undefined;
  if (value === 'infinity' || value === 'infinite') return 0;
  try {
    return parseDuration(value);
  } catch (error) {
    throw new Error(`${field}: ${(error as Error).message}`);
  }
};

/** `value` when it is one of `allowed` (or absent); throws naming the field otherwise. */
const oneOf = <T extends string>(
  field: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined => {
  if (value === undefined || value === '') return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new Error(`${field}: invalid value "${value}" (one of ${allowed.join(', ')})`);
};

const isSet = (value: unknown): boolean => {
  if (value === undefined || value === null || value === false || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.values(value).some(isSet);
  return true;
};

type EnvoySpec = NonNullable<ContourConfigurationSpec['envoy']>;

/** The overload-manager enforced health listener: an address and a port, both needed. */
const omEnforcedHealthOf = (
  envoy: EnvoySpec,
  field: string,
): { address: string; port: number } | undefined => {
  const endpoint = envoy.omEnforcedHealth;
  if (!endpoint || !isSet(endpoint)) return undefined;
  if (!endpoint.address || !endpoint.port) throw new Error(`${field}: needs both an address and a port`);
  return { address: endpoint.address, port: endpoint.port };
};

/**
 * What goes into the RTDS layer. Contour lets its own keys win over a user's runtime setting of the
 * same key (with a warning); contour-ts refuses the setting instead, so it is never dropped.
 */
const runtimeOf = (
  envoy: EnvoySpec,
  listener: NonNullable<EnvoySpec['listener']>,
  field: string,
): RuntimeOptions => {
  const runtime: RuntimeOptions = {
    maxRequestsPerIoCycle: listener.maxRequestsPerIOCycle,
    maxConnectionsPerListener: listener.maxConnectionsPerListener,
    settings: envoy.runtimeSettings,
  };
  const managed = managedRuntimeValues(runtime);
  const taken = Object.keys(envoy.runtimeSettings ?? {}).filter((key) => key in managed);
  if (taken.length > 0)
    throw new Error(`${field}: ${taken.map((key) => `"${key}"`).join(', ')} is set by contour-ts itself`);
  return runtime;
};

/** A metrics server's TLS files: none, or at least certificate and key (Contour refuses a CA alone). */
const metricsTlsOf = (
  field: string,
  tls: { certFile?: string; keyFile?: string; caFile?: string } | undefined,
): MetricsTlsFiles | undefined => {
  const { certFile, keyFile, caFile } = tls ?? {};
  if (!certFile && !keyFile && !caFile) return undefined;
  if (!certFile || !keyFile)
    throw new Error(
      `${field}: a server certificate and key must both be given (a CA file alone is not enough)`,
    );
  return { certFile, keyFile, caFile: caFile || undefined };
};

type Logging = NonNullable<NonNullable<ContourConfigurationSpec['envoy']>['logging']>;

/** The access log settings, checked as Contour checks them (the Envoy formatter extensions are added at translation). */
const accessLogFormatOf = (
  logging: Logging,
  format: 'envoy' | 'json' | undefined,
  level: string | undefined,
  name: (path: string) => string,
): AccessLogFormat => {
  const formatString = logging.accessLogFormatString || undefined;
  const stringField = name('envoy.logging.accessLogFormatString');
  if (formatString !== undefined) {
    const error =
      formatStringError(formatString) ?? (formatString.endsWith('\n') ? undefined : 'must end in newline');
    if (error) throw new Error(`${stringField}: invalid access log format: ${error}`);
  }
  const fieldsField = name('envoy.logging.accessLogJSONFields');
  let jsonFields: Record<string, string>;
  try {
    jsonFields = jsonFieldMap(
      logging.accessLogJSONFields?.length ? logging.accessLogJSONFields : defaultJsonFields,
    );
  } catch (error) {
    throw new Error(`${fieldsField}: ${(error as Error).message}`);
  }
  return {
    format: format ?? 'envoy',
    formatString,
    jsonFields,
    level: level === 'error' || level === 'critical' ? level : 'info',
  };
};

type Policy = ContourConfigurationSpec['policy'];

// Contour's fallback certificate: unset when both parts are blank; a namespace is required (pkg/config).
const fallbackCertificateOf = (
  reference: { namespace: string; name: string } | undefined,
  name: (path: string) => string,
): { namespace: string; name: string } | undefined => {
  const namespace = reference?.namespace.trim() ?? '';
  const secret = reference?.name.trim() ?? '';
  if (namespace === '' && secret === '') return undefined;
  const field = name('httpproxy.fallbackCertificate');
  if (namespace === '') throw new Error(`${field}: namespace must be defined`);
  if (secret === '') throw new Error(`${field}: name must be defined`);
  return { namespace, name: secret };
};

// Contour's global header policy; only what is set, so equal configurations compare equal.
const globalHeadersPolicyOf = (policy: Policy): GlobalHeadersPolicy | undefined => {
  // A header set to "" is set (to an empty value), as in Contour.
  const headers = (side: NonNullable<Policy>['requestHeaders']) => {
    const set = Object.keys(side?.set ?? {}).length > 0 ? { set: side?.set } : {};
    const remove = (side?.remove ?? []).length > 0 ? { remove: side?.remove } : {};
    return set.set || remove.remove ? { ...set, ...remove } : undefined;
  };
  const request = headers(policy?.requestHeaders);
  const response = headers(policy?.responseHeaders);
  if (!request && !response && !policy?.applyToIngress) return undefined;
  return {
    ...(request ? { request } : {}),
    ...(response ? { response } : {}),
    ...(policy?.applyToIngress ? { applyToIngress: true } : {}),
  };
};

/** Converts a validated spec; throws an Error naming the first field that is invalid or not supported. */
export const settingsFromSpec = (spec: ContourConfigurationSpec, naming: FieldNaming): SpecSettings => {
  const name = (path: string): string => (naming === 'file' ? (fileKeys[path] ?? path) : `spec.${path}`);
  const refuse = (path: string, value: unknown, why = notSupported): void => {
    if (isSet(value)) throw new Error(`${name(path)} ${why}`);
  };
  const envoy = spec.envoy ?? {};
  const listener = envoy.listener ?? {};
  const logging = envoy.logging ?? {};
  const timeouts = envoy.timeouts ?? {};
  const cluster = envoy.cluster ?? {};
  const network = envoy.network ?? {};
  const listenerTls = listener.tls ?? {};

  // Validation first (Contour refuses these at start-up too), then what contour-ts cannot do yet.
  const minTlsVersion = versionOf(
    name('envoy.listener.tls.minimumProtocolVersion'),
    listenerTls.minimumProtocolVersion,
    '1.2',
  );
  const maxTlsVersion = versionOf(
    name('envoy.listener.tls.maximumProtocolVersion'),
    listenerTls.maximumProtocolVersion,
    '1.3',
  );
  if (maxTlsVersion < minTlsVersion)
    throw new Error(
      `${name('envoy.listener.tls.minimumProtocolVersion')}: the minimum TLS protocol version is greater than the maximum`,
    );
  const cipherSuites = cipherSuitesOf(name('envoy.listener.tls.cipherSuites'), listenerTls.cipherSuites);
  checkCurves(name('envoy.listener.tls.ecdhCurves'), listenerTls.ecdhCurves);
  const upstreamTls = upstreamTlsOf(cluster.upstreamTLS ?? {}, name('envoy.cluster.upstreamTLS'));
  if (listener.connectionBalancer && listener.connectionBalancer !== 'exact')
    throw new Error(
      `${name('envoy.listener.connectionBalancer')}: invalid value "${listener.connectionBalancer}", only 'exact' is supported`,
    );
  for (const [path, policy] of [
    ['policy.requestHeaders', spec.policy?.requestHeaders],
    ['policy.responseHeaders', spec.policy?.responseHeaders],
  ] as const) {
    const names = [...Object.keys(policy?.set ?? {}), ...(policy?.remove ?? [])];
    // Kubernetes' IsHTTPHeaderName, as Contour checks them.
    const invalid = names.find((header) => !/^[-A-Za-z0-9]+$/.test(header));
    if (invalid !== undefined) throw new Error(`${name(path)}: invalid header name "${invalid}"`);
  }
  for (const flag of spec.featureFlags ?? [])
    throw new Error(`${name('featureFlags')}: unknown feature flag: ${flag}`);
  const accessLogFormat = oneOf(name('envoy.logging.accessLogFormat'), logging.accessLogFormat, [
    'envoy',
    'json',
  ]);
  const accessLogLevel = oneOf(name('envoy.logging.accessLogLevel'), logging.accessLogLevel, [
    'info',
    'error',
    'critical',
    'disabled',
  ]);
  const serverHeaderTransformation = oneOf(
    name('envoy.listener.serverHeaderTransformation'),
    listener.serverHeaderTransformation,
    ['overwrite', 'append_if_absent', 'pass_through'],
  );
  const dnsLookupFamily = oneOf(name('envoy.cluster.dnsLookupFamily'), cluster.dnsLookupFamily, [
    'auto',
    'v4',
    'v6',
    'all',
  ]);
  for (const version of envoy.defaultHTTPVersions ?? [])
    oneOf(name('envoy.defaultHTTPVersions'), version, ['HTTP/1.1', 'HTTP/2']);
  const timeoutMs = Object.fromEntries(
    Object.entries(timeouts).map(([key, value]) => [key, timeoutOf(name(`envoy.timeouts.${key}`), value)]),
  ) as Partial<Record<keyof typeof timeouts, number>>;
  if (timeouts.connectTimeout === 'infinity' || timeouts.connectTimeout === 'infinite')
    throw new Error(`${name('envoy.timeouts.connectTimeout')}: must be a duration`);

  // Features contour-ts does not have yet: a value other than the default is refused, never ignored.
  refuse('gateway', spec.gateway, 'is not supported by contour-ts (no Gateway API support yet)');
  refuse('globalExtAuth', spec.globalExtAuth);
  refuse('rateLimitService', spec.rateLimitService);
  refuse('tracing', spec.tracing);
  // Envoy's enable_ja4_fingerprinting is newer than the Envoy API contour-ts is built against (src/gen).
  refuse(
    'envoy.listener.tls.fingerprint',
    listenerTls.fingerprint?.ja4,
    'with ja4 is not supported by contour-ts (its Envoy API has no enable_ja4_fingerprinting)',
  );
  const accessLog = accessLogFormatOf(logging, accessLogFormat, accessLogLevel, name);
  const omEnforcedHealth = omEnforcedHealthOf(envoy, name('envoy.omEnforcedHealth'));
  const runtime = runtimeOf(envoy, listener, name('envoy.runtimeSettings'));

  const metricsTls = metricsTlsOf(name('metrics.tls'), spec.metrics?.tls);
  const statsTls = metricsTlsOf(name('envoy.metrics.tls'), envoy.metrics?.tls);

  const accessLogsOff = accessLogLevel === 'disabled';
  const settings: SpecSettings = {
    xdsAddress: spec.xdsServer?.address || undefined,
    xdsPort: spec.xdsServer?.port || undefined,
    caFile: spec.xdsServer?.tls?.caFile || undefined,
    certFile: spec.xdsServer?.tls?.certFile || undefined,
    keyFile: spec.xdsServer?.tls?.keyFile || undefined,
    insecure: spec.xdsServer?.tls?.insecure,
    ingressClassNames: spec.ingress?.classNames,
    ingressStatusAddress: spec.ingress?.statusAddress || undefined,
    debugAddress: spec.debug?.address || undefined,
    debugPort: spec.debug?.port || undefined,
    healthAddress: spec.health?.address || undefined,
    healthPort: spec.health?.port || undefined,
    metricsAddress: spec.metrics?.address || undefined,
    metricsPort: spec.metrics?.port || undefined,
    metricsTls,
    envoyHttpAddress: envoy.http?.address || undefined,
    envoyHttpPort: envoy.http?.port || undefined,
    envoyHttpsAddress: envoy.https?.address || undefined,
    envoyHttpsPort: envoy.https?.port || undefined,
    statsAddress: envoy.metrics?.address || undefined,
    statsPort: envoy.metrics?.port || undefined,
    envoyServiceName: envoy.service?.name || undefined,
    envoyServiceNamespace: envoy.service?.namespace || undefined,
    rootNamespaces: spec.httpproxy?.rootNamespaces,
    disablePermitInsecure: spec.httpproxy?.disablePermitInsecure,
    enableExternalNameService: spec.enableExternalNameService,
    accessLogFormat,
    globalHeadersPolicy: globalHeadersPolicyOf(spec.policy),
    fallbackCertificate: fallbackCertificateOf(spec.httpproxy?.fallbackCertificate, name),
    clusterDefaults: clusterDefaultsOf(cluster, envoy.clientCertificate),
    envoy: {
      healthAddress: envoy.health?.address || undefined,
      healthPort: envoy.health?.port || undefined,
      httpAccessLog: accessLogsOff ? '' : envoy.http?.accessLog || undefined,
      httpsAccessLog: accessLogsOff ? '' : envoy.https?.accessLog || undefined,
      accessLogFormat: accessLog,
      minTlsVersion,
      maxTlsVersion,
      cipherSuites: cipherSuites ?? defaultCipherSuites,
      mergeSlashes: listener.disableMergeSlashes === undefined ? undefined : !listener.disableMergeSlashes,
      allowChunkedLength:
        listener.disableAllowChunkedLength === undefined ? undefined : !listener.disableAllowChunkedLength,
      serverHeaderTransformation,
      useProxyProtocol: listener.useProxyProtocol,
      xffNumTrustedHops: network.numTrustedHops,
      adminPort: network.adminPort,
      stripTrailingHostDot: network.stripTrailingHostDot,
      dnsLookupFamily,
      statsTls,
      upstreamTls,
      ecdhCurves: curvesOf(listenerTls.ecdhCurves),
      tlsJa3Fingerprinting: listenerTls.fingerprint?.ja3,
      listenerLimits: {
        exactBalance: listener.connectionBalancer === 'exact' || undefined,
        perConnectionBufferLimitBytes: listener['per-connection-buffer-limit-bytes'],
        maxRequestsPerConnection: listener.maxRequestsPerConnection,
        http2MaxConcurrentStreams: listener.httpMaxConcurrentStreams,
        maxConnectionsToAcceptPerSocketEvent: listener.maxConnectionsToAcceptPerSocketEvent,
        // 0 is Contour's "unset".
        tos: listener.socketOptions?.tos,
        trafficClass: listener.socketOptions?.trafficClass,
      },
      compression: listener.compression?.algorithm,
      // Contour's default (none listed) is both versions.
      httpVersions: envoy.defaultHTTPVersions?.length
        ? [...new Set(envoy.defaultHTTPVersions as HttpVersion[])]
        : undefined,
      omEnforcedHealth,
      runtime,
      connectTimeoutMs: timeoutMs.connectTimeout,
      requestTimeoutMs: timeoutMs.requestTimeout,
      connectionIdleTimeoutMs: timeoutMs.connectionIdleTimeout,
      streamIdleTimeoutMs: timeoutMs.streamIdleTimeout,
      maxConnectionDurationMs: timeoutMs.maxConnectionDuration,
      delayedCloseTimeoutMs: timeoutMs.delayedCloseTimeout,
      connectionShutdownGracePeriodMs: timeoutMs.connectionShutdownGracePeriod,
    },
  };
  return settings;
};

/** Contour's check that the overload-manager enforced health listener has a port of its own. */
export const checkOmEnforcedHealthEndpoint = (
  settings: EnvoySettings,
  envoyHealth: { address: string; port: number },
  envoyMetrics: { address: string; port: number },
  naming: FieldNaming,
): void => {
  const endpoint = settings.omEnforcedHealth;
  if (!endpoint) return;
  const field = naming === 'file' ? 'omEnforcedHealthListener' : 'spec.envoy.omEnforcedHealth';
  const same = (other: { address: string; port: number }) =>
    other.address === endpoint.address && other.port === endpoint.port;
  if (same(envoyHealth))
    throw new Error(
      `${field}: cannot use the same port for health checks and overload-manager enforced health checks`,
    );
  if (same(envoyMetrics))
    throw new Error(
      `${field}: cannot use the same port for metrics and overload-manager enforced health checks`,
    );
};
