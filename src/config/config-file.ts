// Contour's configuration file (`contour serve --config-path FILE`, pkg/config Parameters in Contour): schema,
// validation, and conversion into the ContourConfiguration spec shape, as Contour converts it.
import { readFileSync } from 'node:fs';
// js-yaml (not `yaml`): `contour serve` loads it anyway for manifests, and `yaml` stays off the start-up path.
import { CORE_SCHEMA, load } from 'js-yaml';
import { z } from 'zod';
import {
  customTagFields,
  tracingFields,
  type ContourConfigurationSpec,
} from '../apis/contourconfiguration.js';
import { formatIssues, stripNulls } from './issues.js';

const uint32 = () =>
  z
    .int()
    .min(0)
    .max(2 ** 32 - 1);
const namespacedName = z.strictObject({ name: z.string().optional(), namespace: z.string().optional() });
const protocolParameters = {
  'minimum-protocol-version': z.string().optional(),
  'maximum-protocol-version': z.string().optional(),
  'cipher-suites': z.array(z.string()).optional(),
  'ecdh-curves': z.array(z.string()).optional(),
};
const headersPolicy = z.strictObject({
  set: z.record(z.string(), z.string()).optional(),
  remove: z.array(z.string()).optional(),
});
const metricsServer = z.strictObject({
  address: z.string().optional(),
  port: z.int().optional(),
  'server-certificate-path': z.string().optional(),
  'server-key-path': z.string().optional(),
  'ca-certificate-path': z.string().optional(),
});
// HTTPProxy types reused by Contour's file (rate limit policy, ext_authz HTTP settings): kept open here;
// their presence is refused by src/config/settings.ts.
const openObject = z.record(z.string(), z.unknown());

/** The keys and types of Contour's config file; unknown keys are errors, as Contour decodes with KnownFields. */
export const contourConfigFileSchema = z.strictObject({
  debug: z.boolean().optional(),
  incluster: z.boolean().optional(),
  kubeconfig: z.string().optional(),
  kubernetesClientQPS: z.number().min(0).optional(),
  kubernetesClientBurst: z.int().min(0).optional(),
  server: z.strictObject({}).optional(),
  gateway: z.strictObject({ gatewayRef: namespacedName.optional() }).optional(),
  'ingress-status-address': z.string().optional(),
  'accesslog-format': z.enum(['envoy', 'json']).optional(),
  'accesslog-format-string': z.string().optional(),
  'json-fields': z.array(z.string()).optional(),
  'accesslog-level': z.enum(['info', 'error', 'critical', 'disabled']).optional(),
  tls: z
    .strictObject({
      ...protocolParameters,
      'fallback-certificate': namespacedName.optional(),
      'envoy-client-certificate': namespacedName.optional(),
      fingerprint: z.strictObject({ ja3: z.boolean().optional(), ja4: z.boolean().optional() }).optional(),
    })
    .optional(),
  disablePermitInsecure: z.boolean().optional(),
  disableAllowChunkedLength: z.boolean().optional(),
  disableMergeSlashes: z.boolean().optional(),
  compression: z
    .strictObject({ algorithm: z.enum(['gzip', 'brotli', 'zstd', 'disabled']).optional() })
    .optional(),
  serverHeaderTransformation: z.enum(['overwrite', 'append_if_absent', 'pass_through']).optional(),
  enableExternalNameService: z.boolean().optional(),
  timeouts: z
    .strictObject({
      'request-timeout': z.string().optional(),
      'connection-idle-timeout': z.string().optional(),
      'stream-idle-timeout': z.string().optional(),
      'max-connection-duration': z.string().optional(),
      'delayed-close-timeout': z.string().optional(),
      'connection-shutdown-grace-period': z.string().optional(),
      'connect-timeout': z.string().optional(),
    })
    .optional(),
  policy: z
    .strictObject({
      'request-headers': headersPolicy.optional(),
      'response-headers': headersPolicy.optional(),
      applyToIngress: z.boolean().optional(),
    })
    .optional(),
  'envoy-service-namespace': z.string().optional(),
  'envoy-service-name': z.string().optional(),
  // Contour lower-cases the versions before validating them ("HTTP/2" and "http/2" are both accepted).
  'default-http-versions': z
    .array(
      z
        .string()
        .transform((version) => version.toLowerCase())
        .pipe(z.enum(['http/1.1', 'http/2'])),
    )
    .optional(),
  cluster: z
    .strictObject({
      'dns-lookup-family': z.enum(['auto', 'v4', 'v6', 'all']).optional(),
      'max-requests-per-connection': uint32().min(1).optional(),
      'per-connection-buffer-limit-bytes': uint32().min(1).optional(),
      'circuit-breakers': z
        .strictObject({
          'max-connections': uint32().optional(),
          'max-pending-requests': uint32().optional(),
          'max-requests': uint32().optional(),
          'max-retries': uint32().optional(),
          'per-host-max-connections': uint32().optional(),
        })
        .optional(),
      'upstream-tls': z.strictObject(protocolParameters).optional(),
    })
    .optional(),
  network: z
    .strictObject({
      'num-trusted-hops': uint32().optional(),
      'admin-port': z.int().optional(),
      'strip-trailing-host-dot': z.boolean().optional(),
    })
    .optional(),
  listener: z
    .strictObject({
      'connection-balancer': z
        .string()
        .refine((value) => value === '' || value === 'exact', {
          message: "only 'exact' connection balancing is supported",
        })
        .optional(),
      'max-requests-per-connection': uint32().min(1).optional(),
      'per-connection-buffer-limit-bytes': uint32().min(1).optional(),
      'socket-options': z
        .strictObject({
          tos: z.int().min(0).max(255).optional(),
          'traffic-class': z.int().min(0).max(255).optional(),
        })
        .optional(),
      'max-requests-per-io-cycle': uint32().min(1).optional(),
      'http2-max-concurrent-streams': uint32().min(1).optional(),
      'max-connections-per-listener': uint32().min(1).optional(),
      'max-connections-to-accept-per-socket-event': uint32().min(1).optional(),
    })
    .optional(),
  rateLimitService: z
    .strictObject({
      extensionService: z.string().optional(),
      domain: z.string().optional(),
      failOpen: z.boolean().optional(),
      enableXRateLimitHeaders: z.boolean().optional(),
      enableResourceExhaustedCode: z.boolean().optional(),
      defaultGlobalRateLimitPolicy: openObject.optional(),
    })
    .optional(),
  globalExtAuth: z
    .strictObject({
      extensionService: z.string().optional(),
      serviceType: z.enum(['grpc', 'http']).optional(),
      httpSettings: openObject.optional(),
      authPolicy: z
        .strictObject({
          disabled: z.boolean().optional(),
          context: z.record(z.string(), z.string()).optional(),
        })
        .optional(),
      responseTimeout: z.string().optional(),
      failOpen: z.boolean().optional(),
      withRequestBody: z
        .strictObject({
          maxRequestBytes: uint32().optional(),
          allowPartialMessage: z.boolean().optional(),
          packAsBytes: z.boolean().optional(),
        })
        .optional(),
    })
    .optional(),
  metrics: z.strictObject({ contour: metricsServer.optional(), envoy: metricsServer.optional() }).optional(),
  tracing: z
    .strictObject({
      ...tracingFields,
      customTags: z.array(z.strictObject({ tagName: z.string().optional(), ...customTagFields })).optional(),
      extensionService: z.string().optional(),
    })
    .optional(),
  featureFlags: z.array(z.string()).optional(),
  omEnforcedHealthListener: z
    .strictObject({ address: z.string().optional(), port: z.int().optional() })
    .optional(),
  'runtime-settings': z.record(z.string(), z.string()).optional(),
});

/** A parsed, schema-checked config file. */
export type ContourConfigFile = z.output<typeof contourConfigFileSchema>;

type FileNamespacedName = z.output<typeof namespacedName> | undefined;

/** Contour's NamespacedName rule: both empty, or both set. */
const namespacedNameError = (value: FileNamespacedName): string | undefined => {
  const name = value?.name?.trim() ?? '';
  const namespace = value?.namespace?.trim() ?? '';
  if (name === '' && namespace === '') return undefined;
  if (namespace === '') return 'namespace must be defined';
  if (name === '') return 'name must be defined';
  return undefined;
};

/** "namespace/name" as Contour splits an extension service reference (a bare name has no namespace). */
const splitReference = (reference: string): { namespace: string; name: string } => {
  const slash = reference.indexOf('/');
  return slash < 0
    ? { namespace: '', name: reference }
    : { namespace: reference.slice(0, slash), name: reference.slice(slash + 1) };
};

const namespacedNameOrUndefined = (value: FileNamespacedName) =>
  value?.name ? { name: value.name, namespace: value.namespace ?? '' } : undefined;

const defined = <T extends object>(value: T): T | undefined =>
  Object.values(value).some((field) => field !== undefined) ? value : undefined;

/** The file's checks that its schema cannot express (Contour's Parameters.Validate); messages name the field. */
const fileErrors = (file: ContourConfigFile): string[] => {
  const errors: string[] = [];
  const gatewayRef = file.gateway?.gatewayRef;
  if (file.gateway && (!gatewayRef?.name || !gatewayRef.namespace))
    errors.push('gateway.gatewayRef: namespace and name must be provided');
  for (const key of ['fallback-certificate', 'envoy-client-certificate'] as const) {
    const error = namespacedNameError(file.tls?.[key]);
    if (error) errors.push(`tls.${key}: ${error}`);
  }
  for (const key of ['contour', 'envoy'] as const) {
    const server = file.metrics?.[key];
    if (!server) continue;
    if (Boolean(server['server-certificate-path']) !== Boolean(server['server-key-path']))
      errors.push(`metrics.${key}: server-certificate-path and server-key-path must be given together`);
    if (server['ca-certificate-path'] && !server['server-certificate-path'])
      errors.push(`metrics.${key}: ca-certificate-path needs server-certificate-path and server-key-path`);
  }
  if (file.tracing && !file.tracing.extensionService) errors.push('tracing.extensionService must be defined');
  const tagNames = new Set<string>();
  for (const [index, tag] of (file.tracing?.customTags ?? []).entries()) {
    if (!tag.tagName) errors.push(`tracing.customTags[${index}].tagName must be defined`);
    else if (tagNames.has(tag.tagName))
      errors.push(`tracing.customTags: tagName ${tag.tagName} is duplicate`);
    else tagNames.add(tag.tagName);
    if (Boolean(tag.literal) === Boolean(tag.requestHeaderName))
      errors.push(`tracing.customTags[${index}]: must set exactly one of literal or requestHeaderName`);
  }
  return errors;
};

/** The file as a ContourConfiguration spec (Contour's convertToContourConfigurationSpec, file fields only). */
export const configFileToSpec = (file: ContourConfigFile): ContourConfigurationSpec => {
  const timeouts = file.timeouts ?? {};
  const listener = file.listener ?? {};
  const cluster = file.cluster ?? {};
  const tls = file.tls ?? {};
  const upstreamTls = cluster['upstream-tls'] ?? {};
  const breakers = cluster['circuit-breakers'];
  const headers = (policy: z.output<typeof headersPolicy> | undefined) =>
    policy && defined({ set: policy.set, remove: policy.remove });
  const rateLimit = file.rateLimitService;
  const extAuth = file.globalExtAuth;
  return {
    ingress: defined({ statusAddress: file['ingress-status-address'] }),
    gateway: file.gateway?.gatewayRef
      ? {
          gatewayRef: {
            name: file.gateway.gatewayRef.name ?? '',
            namespace: file.gateway.gatewayRef.namespace ?? '',
          },
        }
      : undefined,
    envoy: {
      listener: {
        compression: file.compression?.algorithm ? { algorithm: file.compression.algorithm } : undefined,
        disableAllowChunkedLength: file.disableAllowChunkedLength,
        disableMergeSlashes: file.disableMergeSlashes,
        serverHeaderTransformation: file.serverHeaderTransformation,
        connectionBalancer: listener['connection-balancer'],
        maxRequestsPerConnection: listener['max-requests-per-connection'],
        'per-connection-buffer-limit-bytes': listener['per-connection-buffer-limit-bytes'],
        maxRequestsPerIOCycle: listener['max-requests-per-io-cycle'],
        httpMaxConcurrentStreams: listener['http2-max-concurrent-streams'],
        maxConnectionsPerListener: listener['max-connections-per-listener'],
        maxConnectionsToAcceptPerSocketEvent: listener['max-connections-to-accept-per-socket-event'],
        tls: {
          minimumProtocolVersion: tls['minimum-protocol-version'],
          maximumProtocolVersion: tls['maximum-protocol-version'],
          cipherSuites: tls['cipher-suites'],
          ecdhCurves: tls['ecdh-curves'],
          fingerprint: tls.fingerprint,
        },
        socketOptions: listener['socket-options'] && {
          tos: listener['socket-options'].tos,
          trafficClass: listener['socket-options']['traffic-class'],
        },
      },
      service:
        file['envoy-service-name'] !== undefined || file['envoy-service-namespace'] !== undefined
          ? { name: file['envoy-service-name'] ?? '', namespace: file['envoy-service-namespace'] ?? '' }
          : undefined,
      clientCertificate: namespacedNameOrUndefined(tls['envoy-client-certificate']),
      logging: {
        accessLogFormat: file['accesslog-format'],
        accessLogFormatString: file['accesslog-format-string'],
        accessLogJSONFields: file['json-fields'],
        accessLogLevel: file['accesslog-level'],
      },
      defaultHTTPVersions: file['default-http-versions']?.map((version) =>
        version === 'http/2' ? ('HTTP/2' as const) : ('HTTP/1.1' as const),
      ),
      timeouts: {
        requestTimeout: timeouts['request-timeout'],
        connectionIdleTimeout: timeouts['connection-idle-timeout'],
        streamIdleTimeout: timeouts['stream-idle-timeout'],
        maxConnectionDuration: timeouts['max-connection-duration'],
        delayedCloseTimeout: timeouts['delayed-close-timeout'],
        connectionShutdownGracePeriod: timeouts['connection-shutdown-grace-period'],
        connectTimeout: timeouts['connect-timeout'],
      },
      cluster: {
        dnsLookupFamily: cluster['dns-lookup-family'],
        maxRequestsPerConnection: cluster['max-requests-per-connection'],
        'per-connection-buffer-limit-bytes': cluster['per-connection-buffer-limit-bytes'],
        circuitBreakers: breakers && {
          maxConnections: breakers['max-connections'],
          maxPendingRequests: breakers['max-pending-requests'],
          maxRequests: breakers['max-requests'],
          maxRetries: breakers['max-retries'],
          perHostMaxConnections: breakers['per-host-max-connections'],
        },
        upstreamTLS: {
          minimumProtocolVersion: upstreamTls['minimum-protocol-version'],
          maximumProtocolVersion: upstreamTls['maximum-protocol-version'],
          cipherSuites: upstreamTls['cipher-suites'],
          ecdhCurves: upstreamTls['ecdh-curves'],
        },
      },
      network: {
        numTrustedHops: file.network?.['num-trusted-hops'],
        adminPort: file.network?.['admin-port'],
        stripTrailingHostDot: file.network?.['strip-trailing-host-dot'],
      },
      metrics: file.metrics?.envoy && metricsFromFile(file.metrics.envoy),
      omEnforcedHealth: file.omEnforcedHealthListener,
      runtimeSettings: file['runtime-settings'],
    },
    httpproxy: {
      disablePermitInsecure: file.disablePermitInsecure,
      fallbackCertificate: namespacedNameOrUndefined(tls['fallback-certificate']),
    },
    enableExternalNameService: file.enableExternalNameService,
    // Contour converts these only when an extension service is named.
    globalExtAuth: extAuth?.extensionService
      ? {
          extensionRef: splitReference(extAuth.extensionService),
          serviceType: extAuth.serviceType,
          httpSettings: extAuth.httpSettings,
          authPolicy: extAuth.authPolicy,
          responseTimeout: extAuth.responseTimeout,
          failOpen: extAuth.failOpen,
          withRequestBody: extAuth.withRequestBody,
        }
      : undefined,
    rateLimitService: rateLimit?.extensionService
      ? {
          extensionService: splitReference(rateLimit.extensionService),
          domain: rateLimit.domain,
          failOpen: rateLimit.failOpen,
          enableXRateLimitHeaders: rateLimit.enableXRateLimitHeaders,
          enableResourceExhaustedCode: rateLimit.enableResourceExhaustedCode,
          defaultGlobalRateLimitPolicy: rateLimit.defaultGlobalRateLimitPolicy,
        }
      : undefined,
    policy: file.policy && {
      requestHeaders: headers(file.policy['request-headers']),
      responseHeaders: headers(file.policy['response-headers']),
      applyToIngress: file.policy.applyToIngress,
    },
    metrics: file.metrics?.contour && metricsFromFile(file.metrics.contour),
    tracing: file.tracing && {
      includePodDetail: file.tracing.includePodDetail,
      serviceName: file.tracing.serviceName,
      overallSampling: file.tracing.overallSampling,
      clientSampling: file.tracing.clientSampling,
      randomSampling: file.tracing.randomSampling,
      maxPathTagLength: file.tracing.maxPathTagLength,
      customTags: file.tracing.customTags?.map((tag) => ({
        tagName: tag.tagName ?? '',
        literal: tag.literal,
        requestHeaderName: tag.requestHeaderName,
      })),
      extensionService: splitReference(file.tracing.extensionService ?? ''),
    },
    featureFlags: file.featureFlags,
  };
};

const metricsFromFile = (server: z.output<typeof metricsServer>) => ({
  address: server.address,
  port: server.port,
  tls: server['server-certificate-path']
    ? {
        certFile: server['server-certificate-path'],
        keyFile: server['server-key-path'],
        caFile: server['ca-certificate-path'],
      }
    : undefined,
});

/** Parses config file text; throws an Error naming the file and every bad field. */
export const parseContourConfigFile = (text: string, source: string): ContourConfigFile => {
  let document: unknown;
  try {
    document = load(text, { schema: CORE_SCHEMA });
  } catch (error) {
    throw new Error(`${source}: failed to parse configuration: ${(error as Error).message}`);
  }
  // An empty file is Contour's defaults; YAML nulls ("tls:" with everything commented out) are zero values.
  const result = contourConfigFileSchema.safeParse(stripNulls(document) ?? {});
  if (!result.success)
    throw new Error(`${source}: invalid Contour configuration: ${formatIssues(result.error)}`);
  const errors = fileErrors(result.data);
  if (errors.length > 0) throw new Error(`${source}: invalid Contour configuration: ${errors.join('; ')}`);
  return result.data;
};

/** Reads and validates Contour's config file at `path`. */
export const readContourConfigFile = (path: string): ContourConfigFile => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`--config-path: cannot read ${path}: ${(error as Error).message}`);
  }
  return parseContourConfigFile(text, path);
};
