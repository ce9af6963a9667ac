// The HTTP filter chain of the ingress connection managers, in Contour's order:
// compressor (gzip by default; brotli, zstd or none), grpc_web, grpc_stats, cors, local_ratelimit, lua, rbac, router.
// Filters without per-route configuration are inert (cors, local_ratelimit, lua, rbac); they are
// present so that routes can enable them and so stats names match Contour's.
import { create } from '@bufbuild/protobuf';
import {
  HttpFilterSchema,
  type HttpFilter,
} from '../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { CompressorSchema } from '../gen/envoy/extensions/filters/http/compressor/v3/compressor_pb.js';
import { GzipSchema } from '../gen/envoy/extensions/compression/gzip/compressor/v3/gzip_pb.js';
import { BrotliSchema } from '../gen/envoy/extensions/compression/brotli/compressor/v3/brotli_pb.js';
import { ZstdSchema } from '../gen/envoy/extensions/compression/zstd/compressor/v3/zstd_pb.js';
import { GrpcWebSchema } from '../gen/envoy/extensions/filters/http/grpc_web/v3/grpc_web_pb.js';
import { FilterConfigSchema as GrpcStatsSchema } from '../gen/envoy/extensions/filters/http/grpc_stats/v3/config_pb.js';
import { CorsSchema } from '../gen/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import { LocalRateLimitSchema } from '../gen/envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit_pb.js';
import { LuaSchema } from '../gen/envoy/extensions/filters/http/lua/v3/lua_pb.js';
import { RBACSchema } from '../gen/envoy/extensions/filters/http/rbac/v3/rbac_pb.js';
import { RouterSchema } from '../gen/envoy/extensions/filters/http/router/v3/router_pb.js';
import type { Any } from '@bufbuild/protobuf/wkt';
import { wellKnown } from './names.js';
import type { CompressionAlgorithm } from './options.js';
import { packAny } from './proto-util.js';

const httpFilter = (name: string, typedConfig: Any): HttpFilter =>
  create(HttpFilterSchema, { name, configType: { case: 'typedConfig' as const, value: typedConfig } });

// Envoy's default compressible content types, plus the gRPC-Web ones.
const compressibleContentTypes = [
  'text/html',
  'text/plain',
  'text/css',
  'application/javascript',
  'application/x-javascript',
  'text/javascript',
  'text/x-javascript',
  'text/ecmascript',
  'text/js',
  'text/jscript',
  'text/x-js',
  'application/ecmascript',
  'application/x-json',
  'application/xml',
  'application/json',
  'image/svg+xml',
  'text/xml',
  'application/xhtml+xml',
  'application/grpc-web',
  'application/grpc-web+proto',
  'application/grpc-web+json',
  'application/grpc-web+thrift',
  'application/grpc-web-text',
  'application/grpc-web-text+proto',
  'application/grpc-web-text+thrift',
];

// Each library with Envoy's defaults, named by the algorithm as Contour names it.
const compressorLibraries = {
  gzip: () => packAny(GzipSchema, {}),
  brotli: () => packAny(BrotliSchema, {}),
  zstd: () => packAny(ZstdSchema, {}),
};

/** Response compression for the usual text types (gzip unless another library is chosen). */
export const compressorFilter = (algorithm: Exclude<CompressionAlgorithm, 'disabled'> = 'gzip'): HttpFilter =>
  httpFilter(
    wellKnown.compressor,
    packAny(CompressorSchema, {
      compressorLibrary: { name: algorithm, typedConfig: compressorLibraries[algorithm]() },
      responseDirectionConfig: { commonConfig: { contentType: compressibleContentTypes } },
    }),
  );

/** The router filter; always last. */
export const routerFilter = (): HttpFilter => httpFilter(wellKnown.router, packAny(RouterSchema, {}));

/** The default filters of an ingress connection manager, router last; no compressor when disabled. */
export const defaultHttpFilters = (compression: CompressionAlgorithm = 'gzip'): HttpFilter[] => [
  ...(compression === 'disabled' ? [] : [compressorFilter(compression)]),
  httpFilter(wellKnown.grpcWeb, packAny(GrpcWebSchema, {})),
  httpFilter(
    wellKnown.grpcStats,
    packAny(GrpcStatsSchema, { emitFilterState: true, enableUpstreamStats: true }),
  ),
  httpFilter(wellKnown.cors, packAny(CorsSchema, {})),
  // No token bucket: disabled unless a virtual host or route configures one.
  httpFilter(wellKnown.localRateLimit, packAny(LocalRateLimitSchema, { statPrefix: 'http' })),
  httpFilter(wellKnown.lua, packAny(LuaSchema, {})),
  httpFilter(wellKnown.rbac, packAny(RBACSchema, {})),
  routerFilter(),
];

// Answers 421 when the Host header names another host than the TLS SNI that selected this
// filter chain: a client reusing one TLS connection for several hosts must not reach a virtual
// host whose certificate it never validated (RFC 7540 §9.1.2).
const misdirectedRequestScript = `
function envoy_on_request(handle)
  local sni = handle:streamInfo():requestedServerName()
  if sni == nil or sni == "" then
    return
  end
  local authority = handle:headers():get(":authority") or ""
  local host = string.lower((string.gsub(authority, ":%d+$", "")))
  if host ~= string.lower(sni) then
    handle:respond({[":status"] = "421"}, "misdirected request to " .. host)
  end
end
`;

/** The Lua filter that rejects requests whose Host differs from the SNI (TLS virtual hosts only). */
export const misdirectedRequestFilter = (): HttpFilter =>
  httpFilter(
    wellKnown.lua,
    packAny(LuaSchema, {
      defaultSourceCode: { specifier: { case: 'inlineString' as const, value: misdirectedRequestScript } },
    }),
  );
