// projectcontour.io/v1alpha1 ContourConfiguration: the whole `contour serve` configuration as an object in the
// API server (`--contour-config-name`). One zod definition gives the type, the validation and the CRD schema.
// Field names follow Contour's apis/projectcontour/v1alpha1/contourconfig.go; the config file
// (`--config-path`, src/config/config-file.ts) is converted into this same shape, as Contour does.
import { z } from 'zod';
import { conditionsStatusSchema, int32 } from './common.js';
import { authorizationServerSchema, rateLimitPolicySchema } from './httpproxy.js';
import type { KubeObject } from './meta.js';

export const contourConfigurationApiVersion = 'projectcontour.io/v1alpha1';

// Contour's CRD gives Go's uint32 fields format int32 and no bounds, its int ports no format, and its
// enumerated strings no enum (Contour checks them at start-up, as src/config/settings.ts does).
const uint32 = () => int32();
const port = () => z.int();
const address = z.string().min(1);
const metricsAddress = z.string().min(1).max(253);

/** A Kubernetes object reference by namespace and name. */
export const namespacedNameSchema = z.object({ name: z.string(), namespace: z.string() });

const healthConfigSchema = z.object({ address: address.optional(), port: port().optional() });

const tlsFiles = {
  caFile: z.string().optional(),
  certFile: z.string().optional(),
  keyFile: z.string().optional(),
};

const metricsConfigSchema = z.object({
  address: metricsAddress.optional(),
  port: port().optional(),
  tls: z.object(tlsFiles).optional(),
});

/** Tracing fields the config file spells the same way. */
export const tracingFields = {
  includePodDetail: z.boolean().optional(),
  serviceName: z.string().optional(),
  overallSampling: z.string().optional(),
  clientSampling: z.string().optional(),
  randomSampling: z.string().optional(),
  maxPathTagLength: uint32().optional(),
};
/** Fields of a tracing custom tag besides its name. */
export const customTagFields = {
  literal: z.string().optional(),
  requestHeaderName: z.string().optional(),
};

/** TLS parameters shared by the listeners and the upstream clusters. */
export const envoyTlsSchema = z.object({
  minimumProtocolVersion: z.string().optional(),
  maximumProtocolVersion: z.string().optional(),
  cipherSuites: z.array(z.string()).optional(),
  ecdhCurves: z.array(z.string()).optional(),
});

const headersPolicySchema = z.object({
  set: z.record(z.string(), z.string()).optional(),
  remove: z.array(z.string()).optional(),
});

export const contourConfigurationSpecSchema = z.object({
  xdsServer: z
    .object({
      address: address.optional(),
      port: port().optional(),
      tls: z.object({ ...tlsFiles, insecure: z.boolean().optional() }).optional(),
    })
    .optional(),
  ingress: z
    .object({ classNames: z.array(z.string()).optional(), statusAddress: z.string().optional() })
    .optional(),
  debug: z.object({ address: z.string().optional(), port: port().optional() }).optional(),
  health: healthConfigSchema.optional(),
  envoy: z
    .object({
      listener: z
        .object({
          useProxyProtocol: z.boolean().optional(),
          compression: z
            .object({ algorithm: z.enum(['gzip', 'brotli', 'zstd', 'disabled']).optional() })
            .optional(),
          disableAllowChunkedLength: z.boolean().optional(),
          disableMergeSlashes: z.boolean().optional(),
          serverHeaderTransformation: z.string().optional(),
          connectionBalancer: z.string().optional(),
          maxRequestsPerConnection: uint32().min(1).optional(),
          'per-connection-buffer-limit-bytes': uint32().min(1).optional(),
          tls: envoyTlsSchema
            .extend({
              fingerprint: z.object({ ja3: z.boolean().optional(), ja4: z.boolean().optional() }).optional(),
            })
            .optional(),
          socketOptions: z
            .object({
              tos: int32().min(0).max(255).optional(),
              trafficClass: int32().min(0).max(255).optional(),
            })
            .optional(),
          maxRequestsPerIOCycle: uint32().min(1).optional(),
          httpMaxConcurrentStreams: uint32().min(1).optional(),
          maxConnectionsPerListener: uint32().min(1).optional(),
          maxConnectionsToAcceptPerSocketEvent: uint32().min(1).optional(),
        })
        .optional(),
      service: namespacedNameSchema.optional(),
      http: z
        .object({ address: address.optional(), port: port().optional(), accessLog: z.string().optional() })
        .optional(),
      https: z
        .object({ address: address.optional(), port: port().optional(), accessLog: z.string().optional() })
        .optional(),
      health: healthConfigSchema.optional(),
      metrics: metricsConfigSchema.optional(),
      clientCertificate: namespacedNameSchema.optional(),
      logging: z
        .object({
          accessLogFormat: z.string().optional(),
          accessLogFormatString: z.string().optional(),
          accessLogJSONFields: z.array(z.string()).optional(),
          accessLogLevel: z.string().optional(),
        })
        .optional(),
      defaultHTTPVersions: z.array(z.string()).optional(),
      timeouts: z
        .object({
          requestTimeout: z.string().optional(),
          connectionIdleTimeout: z.string().optional(),
          streamIdleTimeout: z.string().optional(),
          maxConnectionDuration: z.string().optional(),
          delayedCloseTimeout: z.string().optional(),
          connectionShutdownGracePeriod: z.string().optional(),
          connectTimeout: z.string().optional(),
        })
        .optional(),
      cluster: z
        .object({
          dnsLookupFamily: z.string().optional(),
          maxRequestsPerConnection: uint32().min(1).optional(),
          'per-connection-buffer-limit-bytes': uint32().min(1).optional(),
          circuitBreakers: z
            .object({
              maxConnections: uint32().optional(),
              maxPendingRequests: uint32().optional(),
              maxRequests: uint32().optional(),
              maxRetries: uint32().optional(),
              perHostMaxConnections: uint32().optional(),
            })
            .optional(),
          upstreamTLS: envoyTlsSchema.optional(),
        })
        .optional(),
      network: z
        .object({
          numTrustedHops: uint32().optional(),
          adminPort: port().optional(),
          stripTrailingHostDot: z.boolean().optional(),
        })
        .optional(),
      omEnforcedHealth: healthConfigSchema.optional(),
      runtimeSettings: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  gateway: z.object({ gatewayRef: namespacedNameSchema }).optional(),
  httpproxy: z
    .object({
      disablePermitInsecure: z.boolean().optional(),
      rootNamespaces: z.array(z.string()).optional(),
      fallbackCertificate: namespacedNameSchema.optional(),
    })
    .optional(),
  enableExternalNameService: z.boolean().optional(),
  globalExtAuth: authorizationServerSchema.optional(),
  rateLimitService: z
    .object({
      extensionService: namespacedNameSchema,
      domain: z.string().optional(),
      failOpen: z.boolean().optional(),
      enableXRateLimitHeaders: z.boolean().optional(),
      enableResourceExhaustedCode: z.boolean().optional(),
      defaultGlobalRateLimitPolicy: rateLimitPolicySchema.shape.global.optional(),
    })
    .optional(),
  policy: z
    .object({
      requestHeaders: headersPolicySchema.optional(),
      responseHeaders: headersPolicySchema.optional(),
      applyToIngress: z.boolean().optional(),
    })
    .optional(),
  metrics: metricsConfigSchema.optional(),
  tracing: z
    .object({
      ...tracingFields,
      customTags: z.array(z.object({ tagName: z.string(), ...customTagFields })).optional(),
      extensionService: namespacedNameSchema,
    })
    .optional(),
  featureFlags: z.array(z.string()).optional(),
});

export const contourConfigurationStatusSchema = conditionsStatusSchema;

export type ContourConfigurationSpec = z.output<typeof contourConfigurationSpecSchema>;

/** A ContourConfiguration as read from the API server (spec not yet validated). */
export interface ContourConfiguration extends KubeObject {
  kind: 'ContourConfiguration';
  spec?: z.input<typeof contourConfigurationSpecSchema>;
}
