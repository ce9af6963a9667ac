// Contour's access log settings: the JSON field list and Envoy format strings, checked as Contour checks them
// (apis/projectcontour/v1alpha1/accesslog.go) before they reach Envoy.
import { commandOperatorPattern } from '../envoy/access-log.js';

/** Contour's default JSON access log fields. */
export const defaultJsonFields = [
  '@timestamp',
  'authority',
  'bytes_received',
  'bytes_sent',
  'downstream_local_address',
  'downstream_remote_address',
  'duration',
  'method',
  'path',
  'protocol',
  'request_id',
  'requested_server_name',
  'response_code',
  'response_flags',
  'uber_trace_id',
  'upstream_cluster',
  'upstream_host',
  'upstream_local_address',
  'upstream_service_time',
  'user_agent',
  'x_forwarded_for',
  'grpc_status',
  'grpc_status_number',
];

// Field names Contour maps to an Envoy command operator other than the upper-cased name.
const namedFields: Record<string, string> = {
  '@timestamp': '%START_TIME%',
  ts: '%START_TIME%',
  authority: '%REQ(:AUTHORITY)%',
  method: '%REQ(:METHOD)%',
  path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
  request_id: '%REQ(X-REQUEST-ID)%',
  uber_trace_id: '%REQ(UBER-TRACE-ID)%',
  upstream_service_time: '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%',
  user_agent: '%REQ(USER-AGENT)%',
  x_forwarded_for: '%REQ(X-FORWARDED-FOR)%',
  x_trace_id: '%REQ(X-TRACE-ID)%',
  tls_ja3_fingerprint: '%TLS_JA3_FINGERPRINT%',
  tls_ja4_fingerprint: '%TLS_JA4_FINGERPRINT%',
  contour_config_kind: '%METADATA(ROUTE:envoy.access_loggers.file:io.projectcontour.kind)%',
  contour_config_namespace: '%METADATA(ROUTE:envoy.access_loggers.file:io.projectcontour.namespace)%',
  contour_config_name: '%METADATA(ROUTE:envoy.access_loggers.file:io.projectcontour.name)%',
};

// Envoy command operators without arguments that Contour accepts.
const simpleOperators = new Set(
  `BYTES_RECEIVED BYTES_SENT CONNECTION_ID CONNECTION_TERMINATION_DETAILS DOWNSTREAM_DIRECT_REMOTE_ADDRESS
  DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT DOWNSTREAM_DIRECT_REMOTE_PORT DOWNSTREAM_HEADER_BYTES_RECEIVED
  DOWNSTREAM_HEADER_BYTES_SENT DOWNSTREAM_LOCAL_ADDRESS DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT DOWNSTREAM_LOCAL_PORT
  DOWNSTREAM_LOCAL_SUBJECT DOWNSTREAM_LOCAL_URI_SAN DOWNSTREAM_PEER_CERT DOWNSTREAM_PEER_CERT_V_END
  DOWNSTREAM_PEER_CERT_V_START DOWNSTREAM_PEER_FINGERPRINT_1 DOWNSTREAM_PEER_FINGERPRINT_256 DOWNSTREAM_PEER_ISSUER
  DOWNSTREAM_PEER_SERIAL DOWNSTREAM_PEER_SUBJECT DOWNSTREAM_PEER_URI_SAN DOWNSTREAM_REMOTE_ADDRESS
  DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT DOWNSTREAM_REMOTE_PORT DOWNSTREAM_TLS_CIPHER DOWNSTREAM_TLS_SESSION_ID
  DOWNSTREAM_TLS_VERSION DOWNSTREAM_WIRE_BYTES_RECEIVED DOWNSTREAM_WIRE_BYTES_SENT DURATION FILTER_CHAIN_NAME
  GRPC_STATUS GRPC_STATUS_NUMBER HOSTNAME LOCAL_REPLY_BODY PROTOCOL REQUEST_HEADERS_BYTES REQUESTED_SERVER_NAME
  REQUEST_DURATION REQUEST_TX_DURATION RESPONSE_CODE RESPONSE_CODE_DETAILS RESPONSE_DURATION RESPONSE_FLAGS
  RESPONSE_HEADERS_BYTES RESPONSE_TRAILERS_BYTES RESPONSE_TX_DURATION ROUTE_NAME START_TIME TLS_JA3_FINGERPRINT
  TLS_JA4_FINGERPRINT UPSTREAM_CLUSTER UPSTREAM_FILTER_STATE UPSTREAM_HEADER_BYTES_RECEIVED UPSTREAM_HEADER_BYTES_SENT
  UPSTREAM_HOST UPSTREAM_LOCAL_ADDRESS UPSTREAM_LOCAL_ADDRESS_WITHOUT_PORT UPSTREAM_LOCAL_PORT UPSTREAM_PEER_CERT
  UPSTREAM_PEER_CERT_V_END UPSTREAM_PEER_CERT_V_START UPSTREAM_PEER_ISSUER UPSTREAM_PEER_SUBJECT UPSTREAM_PROTOCOL
  UPSTREAM_REMOTE_ADDRESS UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT UPSTREAM_REMOTE_PORT UPSTREAM_REQUEST_ATTEMPT_COUNT
  UPSTREAM_TLS_CIPHER UPSTREAM_TLS_SESSION_ID UPSTREAM_TLS_VERSION UPSTREAM_TRANSPORT_FAILURE_REASON
  UPSTREAM_WIRE_BYTES_RECEIVED UPSTREAM_WIRE_BYTES_SENT VIRTUAL_CLUSTER_NAME`.split(/\s+/),
);

// Operators with arguments: whether the arguments may be left out, whether a truncation length is refused.
const complexOperators: Record<string, { argumentsOptional?: boolean; noTruncation?: boolean }> = {
  ENVIRONMENT: {},
  METADATA: {},
  REQ: {},
  REQ_WITHOUT_QUERY: {},
  RESP: {},
  START_TIME: { argumentsOptional: true, noTruncation: true },
  TRAILER: {},
};

/** Why an Envoy format string is not valid (Contour's rules), or undefined. */
export const formatStringError = (format: string): string | undefined => {
  for (const match of format.matchAll(commandOperatorPattern)) {
    const operator = match[2];
    if (!operator) return `invalid Envoy format: ${match[0]}`;
    const complex = complexOperators[operator];
    if (!simpleOperators.has(operator) && !complex)
      return `invalid Envoy format: ${match[0]}, invalid Envoy operator: ${operator}`;
    if (complex && !complex.argumentsOptional && match[3] === undefined)
      return `invalid Envoy format: ${match[0]}, arguments required for operator: ${operator}`;
    if (complex?.noTruncation && match[4] !== undefined)
      return `invalid Envoy format: ${match[0]}, operator ${operator} cannot have truncation length`;
  }
  return undefined;
};

/** Contour's JSON field list as field name → Envoy format; throws naming a bad entry. */
export const jsonFieldMap = (fields: string[]): Record<string, string> => {
  const map: Record<string, string> = {};
  for (const entry of fields) {
    const equals = entry.indexOf('=');
    if (equals >= 0) {
      map[entry.slice(0, equals)] = entry.slice(equals + 1);
      continue;
    }
    const named = namedFields[entry];
    if (named !== undefined) map[entry] = named;
    else if (simpleOperators.has(entry.toUpperCase())) map[entry] = `%${entry.toUpperCase()}%`;
    else throw new Error(`invalid JSON log field name ${entry}`);
  }
  for (const [name, format] of Object.entries(map)) {
    if (format === '') throw new Error(`invalid JSON log field name ${name}`);
    if (namedFields[name] === format) continue;
    const error = formatStringError(format);
    if (error) throw new Error(`invalid JSON field: ${error}`);
  }
  return map;
};
