// The HTTP connection manager network filter of the ingress listeners.
import { create } from '@bufbuild/protobuf';
import { FilterSchema, type Filter } from '../gen/envoy/config/listener/v3/listener_components_pb.js';
import {
  HttpConnectionManager_CodecType,
  HttpConnectionManager_ServerHeaderTransformation,
  HttpConnectionManagerSchema,
  type HttpFilter,
} from '../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import type { AccessLog } from '../gen/envoy/config/accesslog/v3/accesslog_pb.js';
import { wellKnown } from './names.js';
import { adsConfigSource, durationFromMs, packAny } from './proto-util.js';

/** What varies between the connection managers of one Envoy. */
export interface HttpConnectionManagerSettings {
  /** Route configuration fetched over RDS. */
  routeConfigName: string;
  /** Prefix of the connection manager's stats (`http.<prefix>.*`), a name dashboards use. */
  statPrefix: string;
  httpFilters: HttpFilter[];
  accessLogs: AccessLog[];
  mergeSlashes: boolean;
  allowChunkedLength: boolean;
  /** ms; absent = Envoy's default; 0 = disabled. */
  requestTimeoutMs?: number;
  /** ms; absent = Envoy's default; 0 = disabled. */
  connectionIdleTimeoutMs?: number;
  /** ms; absent = Envoy's default; 0 = disabled. */
  streamIdleTimeoutMs?: number;
  /** ms; absent = Envoy's default; 0 = disabled. */
  maxConnectionDurationMs?: number;
  /** ms; absent = Envoy's default; 0 = disabled. */
  delayedCloseTimeoutMs?: number;
  /** drain_timeout in ms; absent = Envoy's default. */
  drainTimeoutMs?: number;
  /** Number of trusted proxies in front of Envoy for X-Forwarded-For. */
  xffNumTrustedHops: number;
  serverHeaderTransformation: 'overwrite' | 'append_if_absent' | 'pass_through';
  stripTrailingHostDot: boolean;
  maxRequestsPerConnection?: number;
  http2MaxConcurrentStreams?: number;
  /** The codec: AUTO unless one HTTP version alone is served (Contour's default-http-versions). */
  codec?: 'auto' | 'http1' | 'http2';
}

const codecTypes = {
  auto: HttpConnectionManager_CodecType.AUTO,
  http1: HttpConnectionManager_CodecType.HTTP1,
  http2: HttpConnectionManager_CodecType.HTTP2,
} as const;

const serverHeaderTransformations = {
  overwrite: HttpConnectionManager_ServerHeaderTransformation.OVERWRITE,
  append_if_absent: HttpConnectionManager_ServerHeaderTransformation.APPEND_IF_ABSENT,
  pass_through: HttpConnectionManager_ServerHeaderTransformation.PASS_THROUGH,
} as const;

const optionalDuration = (ms: number | undefined) => (ms === undefined ? undefined : durationFromMs(ms));

/** An `envoy.filters.network.http_connection_manager` filter reading its routes over ADS. */
export const httpConnectionManagerFilter = (settings: HttpConnectionManagerSettings): Filter =>
  create(FilterSchema, {
    name: wellKnown.httpConnectionManager,
    configType: {
      case: 'typedConfig' as const,
      value: packAny(HttpConnectionManagerSchema, {
        codecType: codecTypes[settings.codec ?? 'auto'],
        statPrefix: settings.statPrefix,
        routeSpecifier: {
          case: 'rds' as const,
          value: { configSource: adsConfigSource(), routeConfigName: settings.routeConfigName },
        },
        httpFilters: settings.httpFilters,
        commonHttpProtocolOptions: {
          idleTimeout: optionalDuration(settings.connectionIdleTimeoutMs),
          maxConnectionDuration: optionalDuration(settings.maxConnectionDurationMs),
          maxRequestsPerConnection: settings.maxRequestsPerConnection,
        },
        http2ProtocolOptions:
          settings.http2MaxConcurrentStreams === undefined
            ? undefined
            : { maxConcurrentStreams: settings.http2MaxConcurrentStreams },
        // HTTP/1.0 clients that send a Host header are served (Contour issue #537).
        httpProtocolOptions: { acceptHttp10: true, allowChunkedLength: settings.allowChunkedLength },
        accessLog: settings.accessLogs,
        useRemoteAddress: true,
        xffNumTrustedHops: settings.xffNumTrustedHops,
        normalizePath: true,
        mergeSlashes: settings.mergeSlashes,
        // Keep a client's X-Request-Id so traces can cross Envoy.
        preserveExternalRequestId: true,
        requestTimeout: optionalDuration(settings.requestTimeoutMs),
        streamIdleTimeout: optionalDuration(settings.streamIdleTimeoutMs),
        delayedCloseTimeout: optionalDuration(settings.delayedCloseTimeoutMs),
        drainTimeout: optionalDuration(settings.drainTimeoutMs),
        serverHeaderTransformation: serverHeaderTransformations[settings.serverHeaderTransformation],
        stripTrailingHostDot: settings.stripTrailingHostDot,
      }),
    },
  });
