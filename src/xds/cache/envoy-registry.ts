// A protobuf-es registry of every generated Envoy type, so Any fields can be unpacked and printed as JSON.
// It lists the entry protos of scripts/generate-protos.mjs; their imports are added transitively.
import { createRegistry, type DescFile, type Registry } from '@bufbuild/protobuf';
import { file_envoy_service_discovery_v3_ads } from '../../gen/envoy/service/discovery/v3/ads_pb.js';
import { file_envoy_service_listener_v3_lds } from '../../gen/envoy/service/listener/v3/lds_pb.js';
import { file_envoy_service_route_v3_rds } from '../../gen/envoy/service/route/v3/rds_pb.js';
import { file_envoy_service_cluster_v3_cds } from '../../gen/envoy/service/cluster/v3/cds_pb.js';
import { file_envoy_service_endpoint_v3_eds } from '../../gen/envoy/service/endpoint/v3/eds_pb.js';
import { file_envoy_service_secret_v3_sds } from '../../gen/envoy/service/secret/v3/sds_pb.js';
import { file_envoy_config_bootstrap_v3_bootstrap } from '../../gen/envoy/config/bootstrap/v3/bootstrap_pb.js';
import { file_envoy_extensions_transport_sockets_tls_v3_tls } from '../../gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { file_envoy_extensions_transport_sockets_tls_v3_secret } from '../../gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { file_envoy_extensions_filters_network_http_connection_manager_v3_http_connection_manager } from '../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { file_envoy_extensions_filters_network_tcp_proxy_v3_tcp_proxy } from '../../gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import { file_envoy_extensions_filters_listener_tls_inspector_v3_tls_inspector } from '../../gen/envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector_pb.js';
import { file_envoy_extensions_filters_listener_proxy_protocol_v3_proxy_protocol } from '../../gen/envoy/extensions/filters/listener/proxy_protocol/v3/proxy_protocol_pb.js';
import { file_envoy_extensions_filters_http_router_v3_router } from '../../gen/envoy/extensions/filters/http/router/v3/router_pb.js';
import { file_envoy_extensions_filters_http_health_check_v3_health_check } from '../../gen/envoy/extensions/filters/http/health_check/v3/health_check_pb.js';
import { file_envoy_extensions_filters_http_compressor_v3_compressor } from '../../gen/envoy/extensions/filters/http/compressor/v3/compressor_pb.js';
import { file_envoy_extensions_compression_gzip_compressor_v3_gzip } from '../../gen/envoy/extensions/compression/gzip/compressor/v3/gzip_pb.js';
import { file_envoy_extensions_filters_http_grpc_web_v3_grpc_web } from '../../gen/envoy/extensions/filters/http/grpc_web/v3/grpc_web_pb.js';
import { file_envoy_extensions_filters_http_grpc_stats_v3_config } from '../../gen/envoy/extensions/filters/http/grpc_stats/v3/config_pb.js';
import { file_envoy_extensions_filters_http_cors_v3_cors } from '../../gen/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import { file_envoy_extensions_filters_http_local_ratelimit_v3_local_rate_limit } from '../../gen/envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit_pb.js';
import { file_envoy_extensions_filters_http_lua_v3_lua } from '../../gen/envoy/extensions/filters/http/lua/v3/lua_pb.js';
import { file_envoy_extensions_filters_http_rbac_v3_rbac } from '../../gen/envoy/extensions/filters/http/rbac/v3/rbac_pb.js';
import { file_envoy_extensions_upstreams_http_v3_http_protocol_options } from '../../gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js';
import { file_envoy_extensions_access_loggers_file_v3_file } from '../../gen/envoy/extensions/access_loggers/file/v3/file_pb.js';
import { file_envoy_extensions_access_loggers_stream_v3_stream } from '../../gen/envoy/extensions/access_loggers/stream/v3/stream_pb.js';
import { file_envoy_extensions_transport_sockets_raw_buffer_v3_raw_buffer } from '../../gen/envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer_pb.js';
import { file_envoy_extensions_regex_engines_v3_google_re2 } from '../../gen/envoy/extensions/regex_engines/v3/google_re2_pb.js';
import { file_envoy_extensions_resource_monitors_fixed_heap_v3_fixed_heap } from '../../gen/envoy/extensions/resource_monitors/fixed_heap/v3/fixed_heap_pb.js';
import { file_envoy_extensions_resource_monitors_downstream_connections_v3_downstream_connections } from '../../gen/envoy/extensions/resource_monitors/downstream_connections/v3/downstream_connections_pb.js';

const entryFiles: DescFile[] = [
  file_envoy_service_discovery_v3_ads,
  file_envoy_service_listener_v3_lds,
  file_envoy_service_route_v3_rds,
  file_envoy_service_cluster_v3_cds,
  file_envoy_service_endpoint_v3_eds,
  file_envoy_service_secret_v3_sds,
  file_envoy_config_bootstrap_v3_bootstrap,
  file_envoy_extensions_transport_sockets_tls_v3_tls,
  file_envoy_extensions_transport_sockets_tls_v3_secret,
  file_envoy_extensions_filters_network_http_connection_manager_v3_http_connection_manager,
  file_envoy_extensions_filters_network_tcp_proxy_v3_tcp_proxy,
  file_envoy_extensions_filters_listener_tls_inspector_v3_tls_inspector,
  file_envoy_extensions_filters_listener_proxy_protocol_v3_proxy_protocol,
  file_envoy_extensions_filters_http_router_v3_router,
  file_envoy_extensions_filters_http_health_check_v3_health_check,
  file_envoy_extensions_filters_http_compressor_v3_compressor,
  file_envoy_extensions_compression_gzip_compressor_v3_gzip,
  file_envoy_extensions_filters_http_grpc_web_v3_grpc_web,
  file_envoy_extensions_filters_http_grpc_stats_v3_config,
  file_envoy_extensions_filters_http_cors_v3_cors,
  file_envoy_extensions_filters_http_local_ratelimit_v3_local_rate_limit,
  file_envoy_extensions_filters_http_lua_v3_lua,
  file_envoy_extensions_filters_http_rbac_v3_rbac,
  file_envoy_extensions_upstreams_http_v3_http_protocol_options,
  file_envoy_extensions_access_loggers_file_v3_file,
  file_envoy_extensions_access_loggers_stream_v3_stream,
  file_envoy_extensions_transport_sockets_raw_buffer_v3_raw_buffer,
  file_envoy_extensions_regex_engines_v3_google_re2,
  file_envoy_extensions_resource_monitors_fixed_heap_v3_fixed_heap,
  file_envoy_extensions_resource_monitors_downstream_connections_v3_downstream_connections,
];

const withDependencies = (files: DescFile[]): DescFile[] => {
  const seen = new Map<string, DescFile>();
  const visit = (file: DescFile): void => {
    if (seen.has(file.name)) return;
    seen.set(file.name, file);
    for (const dependency of file.dependencies) visit(dependency);
  };
  for (const file of files) visit(file);
  return [...seen.values()];
};

/** Every Envoy, xds, udpa, validate and google type the generator produced. */
export const envoyRegistry: Registry = createRegistry(...withDependencies(entryFiles));
