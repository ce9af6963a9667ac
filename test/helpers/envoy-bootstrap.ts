// Reading back what `contour bootstrap` writes: Envoy's Bootstrap and the typed configs inside it.
import { createRegistry, fromJsonString } from '@bufbuild/protobuf';
import { BootstrapSchema, type Bootstrap } from '../../src/gen/envoy/config/bootstrap/v3/bootstrap_pb.js';
import { FileAccessLogSchema } from '../../src/gen/envoy/extensions/access_loggers/file/v3/file_pb.js';
import { GoogleRE2Schema } from '../../src/gen/envoy/extensions/regex_engines/v3/google_re2_pb.js';
import { FixedHeapConfigSchema } from '../../src/gen/envoy/extensions/resource_monitors/fixed_heap/v3/fixed_heap_pb.js';
import { DownstreamConnectionsConfigSchema } from '../../src/gen/envoy/extensions/resource_monitors/downstream_connections/v3/downstream_connections_pb.js';
import { HttpProtocolOptionsSchema } from '../../src/gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js';
import { UpstreamTlsContextSchema } from '../../src/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { SecretSchema } from '../../src/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { withDependencies } from '../../src/envoy/registry.js';

/** The message types a bootstrap's `Any` fields hold. */
export const bootstrapTypedConfigs = [
  FileAccessLogSchema,
  GoogleRE2Schema,
  FixedHeapConfigSchema,
  DownstreamConnectionsConfigSchema,
  HttpProtocolOptionsSchema,
  UpstreamTlsContextSchema,
  SecretSchema,
];

/** A registry of those types (for decoding JSON). */
export const bootstrapRegistry = createRegistry(...bootstrapTypedConfigs);

/** A registry of the Bootstrap and those types with every file they import (for the validate.rules check). */
export const bootstrapValidationRegistry = createRegistry(
  ...withDependencies([BootstrapSchema, ...bootstrapTypedConfigs].map((message) => message.file)),
);

/** Decodes a bootstrap written as JSON. */
export const decodeBootstrap = (json: string): Bootstrap =>
  fromJsonString(BootstrapSchema, json, { registry: bootstrapRegistry });
