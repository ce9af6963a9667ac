// The Envoy bootstrap written by `contour bootstrap`: a static `contour` cluster (HTTP/2, optionally mTLS)
// pointing at the xDS server, ADS for everything dynamic, and the admin interface on a unix socket.
// Pure: the caller checks files and writes the returned documents.
import {
  create,
  createRegistry,
  toJsonString,
  type DescMessage,
  type MessageShape,
} from '@bufbuild/protobuf';
import { anyPack, DurationSchema, type Any } from '@bufbuild/protobuf/wkt';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { BootstrapSchema, type Bootstrap } from '../gen/envoy/config/bootstrap/v3/bootstrap_pb.js';
import {
  Cluster_DiscoveryType,
  Cluster_DnsLookupFamily,
  Cluster_LbPolicy,
  ClusterSchema,
  type Cluster,
} from '../gen/envoy/config/cluster/v3/cluster_pb.js';
import { RoutingPriority } from '../gen/envoy/config/core/v3/base_pb.js';
import {
  ApiConfigSource_ApiType,
  ApiVersion,
  type ConfigSource,
  ConfigSourceSchema,
} from '../gen/envoy/config/core/v3/config_source_pb.js';
import type { Address } from '../gen/envoy/config/core/v3/address_pb.js';
import { AddressSchema } from '../gen/envoy/config/core/v3/address_pb.js';
import type { TransportSocket } from '../gen/envoy/config/core/v3/base_pb.js';
import { TransportSocketSchema } from '../gen/envoy/config/core/v3/base_pb.js';
import { FileAccessLogSchema } from '../gen/envoy/extensions/access_loggers/file/v3/file_pb.js';
import { GoogleRE2Schema } from '../gen/envoy/extensions/regex_engines/v3/google_re2_pb.js';
import { FixedHeapConfigSchema } from '../gen/envoy/extensions/resource_monitors/fixed_heap/v3/fixed_heap_pb.js';
import { DownstreamConnectionsConfigSchema } from '../gen/envoy/extensions/resource_monitors/downstream_connections/v3/downstream_connections_pb.js';
import { HttpProtocolOptionsSchema } from '../gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js';
import {
  SubjectAltNameMatcher_SanType,
  TlsParameters_TlsProtocol,
  type CertificateValidationContext,
  CertificateValidationContextSchema,
} from '../gen/envoy/extensions/transport_sockets/tls/v3/common_pb.js';
import {
  UpstreamTlsContextSchema,
  type UpstreamTlsContext,
} from '../gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { SecretSchema } from '../gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import {
  DiscoveryResponseSchema,
  type DiscoveryResponse,
} from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import {
  OverloadActionSchema,
  OverloadManagerSchema,
  ResourceMonitorSchema,
  type OverloadAction,
  type OverloadManager,
  type ResourceMonitor,
} from '../gen/envoy/config/overload/v3/overload_pb.js';
import { dynamicRuntimeLayerName } from './runtime.js';

/** Name of the static cluster that reaches the xDS server (Contour's name; ADS config refers to it). */
export const xdsClusterName = 'contour';
/** Subdirectory of --resources-dir holding the SDS files for the xDS connection's certificates. */
export const sdsResourcesSubdirectory = 'sds';
/** SDS file with Envoy's client certificate and key for the xDS connection. */
export const sdsTlsCertificateFile = 'xds-tls-certificate.json';
/** SDS file with the CA bundle Envoy uses to verify contour's serving certificate. */
export const sdsValidationContextFile = 'xds-validation-context.json';
/** SDS secret names inside those files. */
export const sdsTlsCertificateSecretName = 'contour_xds_tls_certificate';
export const sdsValidationContextSecretName = 'contour_xds_tls_validation_context';
/** The SAN contour's serving certificate must carry (certgen puts it there). */
export const xdsServerSubjectAltName = 'contour';

export type DnsLookupFamily = 'auto' | 'v4' | 'v6' | 'all';

/** Everything `contour bootstrap` is told, with defaults already applied. */
export interface BootstrapOptions {
  /** Output file for the bootstrap, or '-' for stdout. */
  path: string;
  xdsAddress: string;
  xdsPort: number;
  /** Unix socket path of Envoy's admin interface. */
  adminAddress: string;
  /** Deprecated; only used in the admin cluster's stats name, as Contour does. */
  adminPort: number;
  adminAccessLogPath: string;
  namespace: string;
  dnsLookupFamily: DnsLookupFamily;
  xdsResourceVersion: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  resourcesDir?: string;
  /** Overload manager: heap limit in bytes (0 = off). */
  maximumHeapSizeBytes: bigint;
  /** Overload manager: global downstream connection limit (0 = off). */
  globalDownstreamConnectionLimit: bigint;
}

/** Contour's defaults for `contour bootstrap`. */
export const defaultBootstrapOptions: Omit<BootstrapOptions, 'path'> = {
  xdsAddress: '127.0.0.1',
  xdsPort: 8001,
  adminAddress: '/admin/admin.sock',
  adminPort: 9001,
  adminAccessLogPath: '/dev/null',
  namespace: 'projectcontour',
  dnsLookupFamily: 'auto',
  xdsResourceVersion: 'v3',
  maximumHeapSizeBytes: 0n,
  globalDownstreamConnectionLimit: 0n,
};

/** One document to write: a path ('-' = stdout) and its JSON text. */
export interface BootstrapDocument {
  path: string;
  json: string;
}

export type BootstrapResult = { ok: true; documents: BootstrapDocument[] } | { ok: false; error: string };

// Every message type packed into an Any in the output, so JSON encoding can name them.
const jsonRegistry = createRegistry(
  HttpProtocolOptionsSchema,
  FileAccessLogSchema,
  GoogleRE2Schema,
  UpstreamTlsContextSchema,
  SecretSchema,
  FixedHeapConfigSchema,
  DownstreamConnectionsConfigSchema,
);

// Contour's flag names, for error messages.
const tlsFlags = ['--envoy-cafile', '--envoy-cert-file', '--envoy-key-file'];

// BoringSSL's default signature algorithms plus ecdsa_secp521r1_sha512, so P-521 certificates work for xDS
// (the same list Contour sets on the SDS variant).
const xdsSignatureAlgorithms = [
  'ecdsa_secp256r1_sha256',
  'rsa_pss_rsae_sha256',
  'rsa_pkcs1_sha256',
  'ecdsa_secp384r1_sha384',
  'rsa_pss_rsae_sha384',
  'rsa_pkcs1_sha384',
  'ecdsa_secp521r1_sha512',
  'rsa_pss_rsae_sha512',
  'rsa_pkcs1_sha512',
  'rsa_pkcs1_sha1',
];

const dnsLookupFamilies: Record<DnsLookupFamily, Cluster_DnsLookupFamily> = {
  auto: Cluster_DnsLookupFamily.AUTO,
  v4: Cluster_DnsLookupFamily.V4_ONLY,
  v6: Cluster_DnsLookupFamily.V6_ONLY,
  all: Cluster_DnsLookupFamily.ALL,
};

/** Checks the option values a user can get wrong; returns a message or undefined. */
export const validateBootstrapOptions = (options: BootstrapOptions): string | undefined => {
  if (options.xdsResourceVersion !== 'v3') {
    return `invalid --xds-resource-version "${options.xdsResourceVersion}": only "v3" is supported`;
  }
  if (options.adminAddress === 'localhost' || isIP(options.adminAddress) !== 0) {
    return `invalid --admin-address "${options.adminAddress}": cannot be "localhost" or an IP address, it must be a unix socket path`;
  }
  if (options.adminAddress === '') return 'invalid --admin-address "": a unix socket path is required';
  if (!(options.dnsLookupFamily in dnsLookupFamilies)) {
    return `invalid --dns-lookup-family "${String(options.dnsLookupFamily)}": must be one of v4, v6, auto, all`;
  }
  if (!Number.isInteger(options.xdsPort) || options.xdsPort < 1 || options.xdsPort > 65535) {
    return `invalid --xds-port ${options.xdsPort}: must be between 1 and 65535`;
  }
  if (options.globalDownstreamConnectionLimit < 0n) {
    return `invalid --overload-downstream-max-conn ${options.globalDownstreamConnectionLimit}: cannot be < 0`;
  }
  if (options.maximumHeapSizeBytes < 0n) {
    return `invalid --overload-max-heap ${options.maximumHeapSizeBytes}: cannot be < 0`;
  }
  const given = [options.caFile, options.certFile, options.keyFile].filter(
    (f) => f !== undefined && f !== '',
  );
  if (given.length !== 0 && given.length !== 3) {
    return `you must supply all TLS parameters - ${tlsFlags.map((f) => `"${f}"`).join(', ')}, or none of them`;
  }
  return undefined;
};

/** True when the options ask for a TLS connection to the xDS server. */
export const bootstrapUsesTls = (options: BootstrapOptions): boolean =>
  Boolean(options.caFile && options.certFile && options.keyFile);

/** Builds the bootstrap and, for TLS with --resources-dir, the SDS files; returns them as JSON documents. */
export const buildBootstrap = (options: BootstrapOptions): BootstrapResult => {
  const problem = validateBootstrapOptions(options);
  if (problem) return { ok: false, error: problem };
  const bootstrap = bootstrapMessage(options);
  if (!bootstrapUsesTls(options))
    return { ok: true, documents: [{ path: options.path, json: encode(BootstrapSchema, bootstrap) }] };

  const files = {
    caFile: options.caFile ?? '',
    certFile: options.certFile ?? '',
    keyFile: options.keyFile ?? '',
  };
  if (!options.resourcesDir) {
    // Without a resources directory Envoy reads the files once at startup and cannot follow rotation
    // (Contour's backwards-compatible behaviour).
    bootstrap.staticResources!.clusters[0].transportSocket = upstreamTlsSocket(inlineFileTlsContext(files));
    return { ok: true, documents: [{ path: options.path, json: encode(BootstrapSchema, bootstrap) }] };
  }
  // SDS files on disk: Envoy watches them and the certificate files they name, so rotation needs no restart.
  const certificatePath = join(options.resourcesDir, sdsResourcesSubdirectory, sdsTlsCertificateFile);
  const validationPath = join(options.resourcesDir, sdsResourcesSubdirectory, sdsValidationContextFile);
  bootstrap.staticResources!.clusters[0].transportSocket = upstreamTlsSocket(
    sdsTlsContext(certificatePath, validationPath),
  );
  return {
    ok: true,
    documents: [
      { path: certificatePath, json: encode(DiscoveryResponseSchema, certificateSdsResponse(files)) },
      { path: validationPath, json: encode(DiscoveryResponseSchema, validationSdsResponse(files)) },
      { path: options.path, json: encode(BootstrapSchema, bootstrap) },
    ],
  };
};

/** Encodes a message as Envoy-style JSON (proto field names, as Contour writes it). */
const encode = <Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): string =>
  toJsonString(schema, message, { registry: jsonRegistry, useProtoFieldName: true, prettySpaces: 2 }) + '\n';

const adsConfigSource = (): ConfigSource =>
  create(ConfigSourceSchema, {
    resourceApiVersion: ApiVersion.V3,
    configSourceSpecifier: { case: 'ads' as const, value: {} },
  });

const pathConfigSource = (path: string): ConfigSource =>
  create(ConfigSourceSchema, {
    resourceApiVersion: ApiVersion.V3,
    configSourceSpecifier: { case: 'pathConfigSource' as const, value: { path } },
  });

const socketAddress = (address: string, port: number): Address =>
  create(AddressSchema, {
    address: {
      case: 'socketAddress' as const,
      value: {
        address,
        portSpecifier: { case: 'portValue' as const, value: port },
        // "::" listens/connects on both families, as Contour sets it.
        ipv4Compat: address === '::',
      },
    },
  });

const unixSocketAddress = (path: string): Address =>
  create(AddressSchema, { address: { case: 'pipe' as const, value: { path, mode: 0o644 } } });

const seconds = (ms: number) =>
  create(DurationSchema, { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 });

const circuitBreakerThreshold = (priority: RoutingPriority) => ({
  priority,
  maxConnections: 100000,
  maxPendingRequests: 100000,
  maxRequests: 60000000,
  maxRetries: 50,
  trackRemaining: true,
});

const xdsCluster = (options: BootstrapOptions): Cluster =>
  create(ClusterSchema, {
    name: xdsClusterName,
    altStatName: [options.namespace, xdsClusterName, String(options.xdsPort)].join('_'),
    connectTimeout: seconds(5000),
    // An IP needs no resolution; a name is re-resolved so a Service's address change is followed.
    clusterDiscoveryType: {
      case: 'type' as const,
      value: isIP(options.xdsAddress) !== 0 ? Cluster_DiscoveryType.STATIC : Cluster_DiscoveryType.STRICT_DNS,
    },
    dnsLookupFamily: dnsLookupFamilies[options.dnsLookupFamily],
    lbPolicy: Cluster_LbPolicy.ROUND_ROBIN,
    loadAssignment: {
      clusterName: xdsClusterName,
      endpoints: [
        {
          lbEndpoints: [
            {
              hostIdentifier: {
                case: 'endpoint' as const,
                value: { address: socketAddress(options.xdsAddress, options.xdsPort) },
              },
            },
          ],
        },
      ],
    },
    upstreamConnectionOptions: {
      tcpKeepalive: { keepaliveProbes: 3, keepaliveTime: 30, keepaliveInterval: 5 },
    },
    // gRPC needs HTTP/2 to the xDS server.
    typedExtensionProtocolOptions: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': anyPack(
        HttpProtocolOptionsSchema,
        create(HttpProtocolOptionsSchema, {
          upstreamProtocolOptions: {
            case: 'explicitHttpConfig' as const,
            value: { protocolConfig: { case: 'http2ProtocolOptions' as const, value: {} } },
          },
        }),
      ),
    },
    circuitBreakers: {
      thresholds: [
        circuitBreakerThreshold(RoutingPriority.HIGH),
        circuitBreakerThreshold(RoutingPriority.DEFAULT),
      ],
    },
  });

const adminCluster = (options: BootstrapOptions): Cluster =>
  create(ClusterSchema, {
    name: 'envoy-admin',
    altStatName: [options.namespace, 'envoy-admin', String(options.adminPort)].join('_'),
    connectTimeout: seconds(250),
    clusterDiscoveryType: { case: 'type' as const, value: Cluster_DiscoveryType.STATIC },
    lbPolicy: Cluster_LbPolicy.ROUND_ROBIN,
    loadAssignment: {
      clusterName: 'envoy-admin',
      endpoints: [
        {
          lbEndpoints: [
            {
              hostIdentifier: {
                case: 'endpoint' as const,
                value: { address: unixSocketAddress(options.adminAddress) },
              },
            },
          ],
        },
      ],
    },
  });

const typedResourceMonitor = (name: string, config: Any): ResourceMonitor =>
  create(ResourceMonitorSchema, { name, configType: { case: 'typedConfig' as const, value: config } });

const thresholdAction = (name: string, monitor: string, value: number): OverloadAction =>
  create(OverloadActionSchema, {
    name,
    triggers: [{ name: monitor, triggerOneof: { case: 'threshold' as const, value: { value } } }],
  });

const overloadManager = (options: BootstrapOptions): OverloadManager | undefined => {
  if (options.maximumHeapSizeBytes <= 0n && options.globalDownstreamConnectionLimit <= 0n) return undefined;
  const manager = create(OverloadManagerSchema, { refreshInterval: seconds(250) });
  if (options.maximumHeapSizeBytes > 0n) {
    const monitor = 'envoy.resource_monitors.fixed_heap';
    const config = create(FixedHeapConfigSchema, { maxHeapSizeBytes: options.maximumHeapSizeBytes });
    manager.resourceMonitors.push(typedResourceMonitor(monitor, anyPack(FixedHeapConfigSchema, config)));
    manager.actions.push(
      thresholdAction('envoy.overload_actions.shrink_heap', monitor, 0.95),
      thresholdAction('envoy.overload_actions.stop_accepting_requests', monitor, 0.98),
    );
  }
  if (options.globalDownstreamConnectionLimit > 0n) {
    const config = create(DownstreamConnectionsConfigSchema, {
      maxActiveDownstreamConnections: options.globalDownstreamConnectionLimit,
    });
    manager.resourceMonitors.push(
      typedResourceMonitor(
        'envoy.resource_monitors.global_downstream_max_connections',
        anyPack(DownstreamConnectionsConfigSchema, config),
      ),
    );
  }
  return manager;
};

const bootstrapMessage = (options: BootstrapOptions): Bootstrap =>
  create(BootstrapSchema, {
    // Contour's layers: `dynamic` over RTDS (the same ADS stream; contour-ts always serves that
    // resource, so Envoy's initialization never waits on it), then the admin layer, last so that
    // changes made through the admin interface win.
    layeredRuntime: {
      layers: [
        {
          name: dynamicRuntimeLayerName,
          layerSpecifier: {
            case: 'rtdsLayer' as const,
            value: { name: dynamicRuntimeLayerName, rtdsConfig: adsConfigSource() },
          },
        },
        { name: 'admin', layerSpecifier: { case: 'adminLayer' as const, value: {} } },
      ],
    },
    dynamicResources: {
      adsConfig: {
        apiType: ApiConfigSource_ApiType.GRPC,
        transportApiVersion: ApiVersion.V3,
        grpcServices: [
          {
            targetSpecifier: {
              case: 'envoyGrpc' as const,
              value: { clusterName: xdsClusterName, authority: xdsClusterName },
            },
          },
        ],
      },
      ldsConfig: adsConfigSource(),
      cdsConfig: adsConfigSource(),
    },
    staticResources: { clusters: [xdsCluster(options), adminCluster(options)] },
    defaultRegexEngine: {
      name: 'envoy.regex_engines.google_re2',
      typedConfig: anyPack(GoogleRE2Schema, create(GoogleRE2Schema)),
    },
    admin: {
      accessLog: [
        {
          name: 'envoy.access_loggers.file',
          configType: {
            case: 'typedConfig' as const,
            value: anyPack(
              FileAccessLogSchema,
              create(FileAccessLogSchema, { path: options.adminAccessLogPath }),
            ),
          },
        },
      ],
      address: unixSocketAddress(options.adminAddress),
    },
    overloadManager: overloadManager(options),
  });

const upstreamTlsSocket = (context: UpstreamTlsContext): TransportSocket =>
  create(TransportSocketSchema, {
    name: 'envoy.transport_sockets.tls',
    configType: { case: 'typedConfig' as const, value: anyPack(UpstreamTlsContextSchema, context) },
  });

const fileSource = (filename: string) => ({ specifier: { case: 'filename' as const, value: filename } });

const xdsServerValidation = (caFile: string): CertificateValidationContext =>
  create(CertificateValidationContextSchema, {
    trustedCa: fileSource(caFile),
    matchTypedSubjectAltNames: [
      {
        sanType: SubjectAltNameMatcher_SanType.DNS,
        matcher: { matchPattern: { case: 'exact' as const, value: xdsServerSubjectAltName } },
      },
    ],
  });

interface TlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

const inlineFileTlsContext = (files: TlsFiles): UpstreamTlsContext =>
  create(UpstreamTlsContextSchema, {
    commonTlsContext: {
      tlsParams: { tlsMaximumProtocolVersion: TlsParameters_TlsProtocol.TLSv1_3 },
      tlsCertificates: [
        { certificateChain: fileSource(files.certFile), privateKey: fileSource(files.keyFile) },
      ],
      validationContextType: { case: 'validationContext' as const, value: xdsServerValidation(files.caFile) },
    },
  });

const sdsTlsContext = (certificatePath: string, validationPath: string): UpstreamTlsContext =>
  create(UpstreamTlsContextSchema, {
    commonTlsContext: {
      tlsParams: {
        tlsMaximumProtocolVersion: TlsParameters_TlsProtocol.TLSv1_3,
        signatureAlgorithms: xdsSignatureAlgorithms,
      },
      tlsCertificateSdsSecretConfigs: [
        { name: sdsTlsCertificateSecretName, sdsConfig: pathConfigSource(certificatePath) },
      ],
      validationContextType: {
        case: 'validationContextSdsSecretConfig' as const,
        value: { name: sdsValidationContextSecretName, sdsConfig: pathConfigSource(validationPath) },
      },
    },
  });

const secretResponse = (secret: Any): DiscoveryResponse =>
  create(DiscoveryResponseSchema, { resources: [secret] });

const certificateSdsResponse = (files: TlsFiles): DiscoveryResponse =>
  secretResponse(
    anyPack(
      SecretSchema,
      create(SecretSchema, {
        name: sdsTlsCertificateSecretName,
        type: {
          case: 'tlsCertificate' as const,
          value: { certificateChain: fileSource(files.certFile), privateKey: fileSource(files.keyFile) },
        },
      }),
    ),
  );

const validationSdsResponse = (files: TlsFiles): DiscoveryResponse =>
  secretResponse(
    anyPack(
      SecretSchema,
      create(SecretSchema, {
        name: sdsValidationContextSecretName,
        type: { case: 'validationContext' as const, value: xdsServerValidation(files.caFile) },
      }),
    ),
  );
