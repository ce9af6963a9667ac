// The type registry of every Envoy message translate can emit, including those packed in Any.
// Used to print Any as JSON (`@type`) and to look inside Any payloads when validating.
import { createRegistry, type DescFile, type Registry } from '@bufbuild/protobuf';
import { file_envoy_config_listener_v3_listener } from '../gen/envoy/config/listener/v3/listener_pb.js';
import { file_envoy_config_route_v3_route } from '../gen/envoy/config/route/v3/route_pb.js';
import { file_envoy_config_cluster_v3_cluster } from '../gen/envoy/config/cluster/v3/cluster_pb.js';
import { file_envoy_config_endpoint_v3_endpoint } from '../gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { file_envoy_extensions_transport_sockets_tls_v3_secret } from '../gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { file_envoy_extensions_transport_sockets_tls_v3_tls } from '../gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { file_envoy_extensions_filters_network_http_connection_manager_v3_http_connection_manager } from '../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { file_envoy_extensions_filters_network_tcp_proxy_v3_tcp_proxy } from '../gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import { file_envoy_extensions_filters_listener_tls_inspector_v3_tls_inspector } from '../gen/envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector_pb.js';
import { file_envoy_extensions_filters_listener_proxy_protocol_v3_proxy_protocol } from '../gen/envoy/extensions/filters/listener/proxy_protocol/v3/proxy_protocol_pb.js';
import { file_envoy_extensions_filters_http_compressor_v3_compressor } from '../gen/envoy/extensions/filters/http/compressor/v3/compressor_pb.js';
import { file_envoy_extensions_compression_gzip_compressor_v3_gzip } from '../gen/envoy/extensions/compression/gzip/compressor/v3/gzip_pb.js';
import { file_envoy_extensions_compression_brotli_compressor_v3_brotli } from '../gen/envoy/extensions/compression/brotli/compressor/v3/brotli_pb.js';
import { file_envoy_extensions_compression_zstd_compressor_v3_zstd } from '../gen/envoy/extensions/compression/zstd/compressor/v3/zstd_pb.js';
import { file_envoy_extensions_filters_http_grpc_web_v3_grpc_web } from '../gen/envoy/extensions/filters/http/grpc_web/v3/grpc_web_pb.js';
import { file_envoy_extensions_filters_http_grpc_stats_v3_config } from '../gen/envoy/extensions/filters/http/grpc_stats/v3/config_pb.js';
import { file_envoy_extensions_filters_http_cors_v3_cors } from '../gen/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import { file_envoy_extensions_filters_http_local_ratelimit_v3_local_rate_limit } from '../gen/envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit_pb.js';
import { file_envoy_extensions_filters_http_lua_v3_lua } from '../gen/envoy/extensions/filters/http/lua/v3/lua_pb.js';
import { file_envoy_extensions_filters_http_rbac_v3_rbac } from '../gen/envoy/extensions/filters/http/rbac/v3/rbac_pb.js';
import { file_envoy_extensions_filters_http_router_v3_router } from '../gen/envoy/extensions/filters/http/router/v3/router_pb.js';
import { file_envoy_extensions_access_loggers_file_v3_file } from '../gen/envoy/extensions/access_loggers/file/v3/file_pb.js';
import { file_envoy_service_runtime_v3_rtds } from '../gen/envoy/service/runtime/v3/rtds_pb.js';
import { file_envoy_extensions_formatter_req_without_query_v3_req_without_query } from '../gen/envoy/extensions/formatter/req_without_query/v3/req_without_query_pb.js';
import { file_envoy_extensions_formatter_metadata_v3_metadata } from '../gen/envoy/extensions/formatter/metadata/v3/metadata_pb.js';
import { file_envoy_extensions_upstreams_http_v3_http_protocol_options } from '../gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js';

/** The proto files whose messages translate emits directly or inside Any. */
export const envoyResourceFiles: DescFile[] = [
  file_envoy_config_listener_v3_listener,
  file_envoy_config_route_v3_route,
  file_envoy_config_cluster_v3_cluster,
  file_envoy_config_endpoint_v3_endpoint,
  file_envoy_extensions_transport_sockets_tls_v3_secret,
  file_envoy_extensions_transport_sockets_tls_v3_tls,
  file_envoy_extensions_filters_network_http_connection_manager_v3_http_connection_manager,
  file_envoy_extensions_filters_network_tcp_proxy_v3_tcp_proxy,
  file_envoy_extensions_filters_listener_tls_inspector_v3_tls_inspector,
  file_envoy_extensions_filters_listener_proxy_protocol_v3_proxy_protocol,
  file_envoy_extensions_filters_http_compressor_v3_compressor,
  file_envoy_extensions_compression_gzip_compressor_v3_gzip,
  file_envoy_extensions_compression_brotli_compressor_v3_brotli,
  file_envoy_extensions_compression_zstd_compressor_v3_zstd,
  file_envoy_extensions_filters_http_grpc_web_v3_grpc_web,
  file_envoy_extensions_filters_http_grpc_stats_v3_config,
  file_envoy_extensions_filters_http_cors_v3_cors,
  file_envoy_extensions_filters_http_local_ratelimit_v3_local_rate_limit,
  file_envoy_extensions_filters_http_lua_v3_lua,
  file_envoy_extensions_filters_http_rbac_v3_rbac,
  file_envoy_extensions_filters_http_router_v3_router,
  file_envoy_extensions_access_loggers_file_v3_file,
  file_envoy_extensions_formatter_req_without_query_v3_req_without_query,
  file_envoy_extensions_formatter_metadata_v3_metadata,
  file_envoy_extensions_upstreams_http_v3_http_protocol_options,
  file_envoy_service_runtime_v3_rtds,
];

/** The files and, transitively, every file they import. */
export const withDependencies = (files: DescFile[]): DescFile[] => {
  const seen = new Map<string, DescFile>();
  const visit = (file: DescFile): void => {
    if (seen.has(file.name)) return;
    seen.set(file.name, file);
    file.dependencies.forEach(visit);
  };
  files.forEach(visit);
  return [...seen.values()];
};

/** A registry resolving every message translate emits, nested Any payloads included. */
export const envoyRegistry: Registry = createRegistry(...withDependencies(envoyResourceFiles));
