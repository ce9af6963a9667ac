// Knobs of the Envoy side of translation (from `contour serve` flags and the Contour config file).
import type { TlsVersion } from '../dag/types.js';
import {
  defaultCipherSuites,
  defaultUpstreamTlsParameters,
  type UpstreamTlsParameters,
} from './tls-context.js';
import { defaultAccessLogFormat, type AccessLogFormat } from './access-log.js';
import type { StatsTlsFiles } from './stats-tls.js';

/** Listener addresses and the optional Envoy-wide settings; unset optional fields take Contour's defaults. */
export interface TranslateOptions {
  httpAddress: string;
  httpPort: number;
  httpsAddress: string;
  httpsPort: number;
  statsAddress: string;
  statsPort: number;
  /** Envoy's health endpoint (/ready); when it differs from the stats address and port, Contour's
   * separate `stats` and `health` listeners replace `stats-health`. Default: the stats address/port. */
  healthAddress?: string;
  healthPort?: number;
  /** Access log file of the plaintext listener; '' disables it. Default /dev/stdout. */
  httpAccessLog?: string;
  /** Access log file of the TLS listener; '' disables it. Default /dev/stdout. */
  httpsAccessLog?: string;
  /** Access log format and level. Default: Envoy's text format, every request. */
  accessLogFormat?: AccessLogFormat;
  /** Lowest TLS version any virtual host may accept. Default 1.2. */
  minTlsVersion?: TlsVersion;
  /** Highest TLS version any virtual host may accept. Default 1.3. */
  maxTlsVersion?: TlsVersion;
  /** TLS 1.2 cipher suites of the TLS listener. Default: Contour's list. */
  cipherSuites?: string[];
  /** Envoy's merge_slashes on the ingress listeners. Default true (Contour's disableMergeSlashes=false). */
  mergeSlashes?: boolean;
  /** HTTP/1 allow_chunked_length. Default true. */
  allowChunkedLength?: boolean;
  /** X-Forwarded-For hops to trust. Default 0. */
  xffNumTrustedHops?: number;
  /** Port of the read-only `envoy-admin` listener on 127.0.0.1; 0 = none. Default 9001. */
  adminPort?: number;
  /** Tag routes with their source object (access log metadata). Default false. */
  routeSourceMetadata?: boolean;
  /** Upstream connect timeout in ms. Default 2000. */
  connectTimeoutMs?: number;
  /** Connection manager timeouts in ms: absent = Envoy default, 0 = disabled. */
  requestTimeoutMs?: number;
  connectionIdleTimeoutMs?: number;
  streamIdleTimeoutMs?: number;
  maxConnectionDurationMs?: number;
  delayedCloseTimeoutMs?: number;
  /** The connection manager's drain_timeout (Contour's connection-shutdown-grace-period). */
  connectionShutdownGracePeriodMs?: number;
  /** How Envoy treats the Server response header. Default overwrite (Envoy's default). */
  serverHeaderTransformation?: 'overwrite' | 'append_if_absent' | 'pass_through';
  /** PROXY protocol on the ingress listeners. Default false. */
  useProxyProtocol?: boolean;
  /** Strip a trailing dot from the Host header before matching. Default false. */
  stripTrailingHostDot?: boolean;
  /** Ingress listener limits (Contour's `listener.*`); absent = Envoy's defaults. */
  listenerLimits?: ListenerLimits;
  /** DNS lookup family of ExternalName (STRICT_DNS) clusters. Default auto. */
  dnsLookupFamily?: 'auto' | 'v4' | 'v6' | 'all';
  /** Envoy's stats listener over TLS with these files (Contour's metrics.envoy TLS). Default: plain HTTP. */
  statsTls?: StatsTlsFiles;
  // TLS towards backends, and the TLS listener's curves and fingerprinting (Contour's
  // `cluster.upstream-tls`, `tls.ecdh-curves`, `tls.fingerprint.ja3`).
  /** TLS parameters of every TLS backend connection. Default: 1.2 to 1.3, Contour's ciphers, Envoy's curves. */
  upstreamTls?: UpstreamTlsParameters;
  /** ECDH curves of the TLS listener's contexts; empty = Envoy's defaults. Default empty. */
  ecdhCurves?: string[];
  /** JA3 fingerprinting in the TLS listener's tls_inspector. Default false. */
  tlsJa3Fingerprinting?: boolean;
  // Contour's compression, default-http-versions, omEnforcedHealthListener and runtime settings.
  /** Response compression of the ingress connection managers. Default gzip. */
  compression?: CompressionAlgorithm;
  /** HTTP versions the ingress listeners speak (Contour's default-http-versions). Default both. */
  httpVersions?: HttpVersion[];
  /** Contour's `health-om-enforced` listener (/ready, subject to the global connection limit); null = none. */
  omEnforcedHealth?: { address: string; port: number } | null;
  /** What Contour serves in the Envoy runtime layer `dynamic` (RTDS). Default: only Contour's fixed keys. */
  runtime?: RuntimeOptions;
}

export type CompressionAlgorithm = 'gzip' | 'brotli' | 'zstd' | 'disabled';
export type HttpVersion = 'HTTP/1.1' | 'HTTP/2';

/** Contour's runtime-derived settings (listener.max-requests-per-io-cycle, max-connections-per-listener, runtime-settings). */
export interface RuntimeOptions {
  maxRequestsPerIoCycle?: number;
  /** Connection limit of each ingress listener. */
  maxConnectionsPerListener?: number;
  /** The user's runtime keys, as strings (a key contour-ts sets itself is refused at start-up). */
  settings?: Record<string, string>;
}

/** Contour's `listener.*` settings that contour-ts applies to the ingress listeners. */
export interface ListenerLimits {
  /** Balance connections exactly across Envoy's worker threads. */
  exactBalance?: boolean;
  perConnectionBufferLimitBytes?: number;
  maxRequestsPerConnection?: number;
  http2MaxConcurrentStreams?: number;
  /** Connections accepted per socket event (Contour's max-connections-to-accept-per-socket-event). */
  maxConnectionsToAcceptPerSocketEvent?: number;
  /** IPv4 TOS and IPv6 traffic class of accepted connections (Contour's socket-options); 0 = unset. */
  tos?: number;
  trafficClass?: number;
}

// Envoy's default applies when these are absent; 0 disables them.
type OptionalTimeouts =
  | 'requestTimeoutMs'
  | 'connectionIdleTimeoutMs'
  | 'streamIdleTimeoutMs'
  | 'maxConnectionDurationMs'
  | 'delayedCloseTimeoutMs'
  | 'connectionShutdownGracePeriodMs';

/** TranslateOptions with every optional field resolved. */
export type ResolvedTranslateOptions = Required<Omit<TranslateOptions, OptionalTimeouts | 'statsTls'>> &
  Pick<TranslateOptions, OptionalTimeouts | 'statsTls'>;

export const defaultTranslateOptions: TranslateOptions = {
  httpAddress: '0.0.0.0',
  httpPort: 8080,
  httpsAddress: '0.0.0.0',
  httpsPort: 8443,
  statsAddress: '0.0.0.0',
  statsPort: 8002,
};

/** Fills the optional fields with their defaults. */
export const resolveTranslateOptions = (options: TranslateOptions): ResolvedTranslateOptions => ({
  httpAccessLog: '/dev/stdout',
  httpsAccessLog: '/dev/stdout',
  accessLogFormat: defaultAccessLogFormat,
  minTlsVersion: '1.2',
  maxTlsVersion: '1.3',
  cipherSuites: defaultCipherSuites,
  mergeSlashes: true,
  allowChunkedLength: true,
  xffNumTrustedHops: 0,
  adminPort: 9001,
  routeSourceMetadata: false,
  connectTimeoutMs: 2000,
  serverHeaderTransformation: 'overwrite',
  useProxyProtocol: false,
  stripTrailingHostDot: false,
  dnsLookupFamily: 'auto',
  listenerLimits: {},
  upstreamTls: defaultUpstreamTlsParameters,
  ecdhCurves: [],
  tlsJa3Fingerprinting: false,
  compression: 'gzip',
  httpVersions: ['HTTP/1.1', 'HTTP/2'],
  omEnforcedHealth: null,
  runtime: {},
  healthAddress: options.statsAddress,
  healthPort: options.statsPort,
  ...withoutUndefined(options),
});

const withoutUndefined = (options: TranslateOptions): TranslateOptions =>
  Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as TranslateOptions;
