// projectcontour.io/v1 HTTPProxy: one zod definition gives the TypeScript type, the validation the build
// applies to objects nothing else validated (manifest files), and the CRD's openAPIV3Schema.
// Field-for-field compatible with Contour's published CRD (names, enums, bounds, defaults, patterns).
import { z } from 'zod';
import {
  conditionsSchema,
  dnsSubdomainPattern,
  durationOrInfinityPattern,
  durationOrZeroPattern,
  durationPattern,
  headerMatchConditionSchema,
  httpTokenPattern,
  int32,
  int64,
  loadBalancerPolicySchema,
  matchConditionSchema,
  portNumber,
  timeoutPolicySchema,
  upstreamValidationSchema,
} from './common.js';
import type { KubeObject } from './meta.js';
import { linearPattern } from './linear-pattern.js';

export const httpProxyGroup = 'projectcontour.io';
export const httpProxyApiVersion = 'projectcontour.io/v1';

const headerValueSchema = z.object({ name: z.string().min(1), value: z.string().min(1) });

/** Headers to set (replace) or remove on a request or response. */
export const headersPolicySchema = z.object({
  set: z.array(headerValueSchema).optional(),
  remove: z.array(z.string()).optional(),
});

// Cookie names are HTTP tokens: no separators, spaces or control characters.
const cookieNamePattern = linearPattern(/^[^()<>@,;:\\"/[\]?={} \t\x00-\x1f\x7f]+$/);
const cookiePathPattern = linearPattern(/^[^;\x00-\x1f\x7f]+$/);

export const cookieRewritePolicySchema = z.object({
  name: z.string().min(1).max(4096).regex(cookieNamePattern),
  pathRewrite: z.object({ value: z.string().min(1).max(4096).regex(cookiePathPattern) }).optional(),
  domainRewrite: z.object({ value: z.string().min(1).max(4096).regex(dnsSubdomainPattern) }).optional(),
  secure: z.boolean().optional(),
  sameSite: z.enum(['Strict', 'Lax', 'None']).optional(),
});

export const slowStartPolicySchema = z.object({
  window: z.string().regex(durationPattern),
  aggression: z
    .string()
    .regex(linearPattern(/^([0-9]+([.][0-9]+)?|[.][0-9]+)$/))
    .default('1.0')
    .optional(),
  minWeightPercent: int32().min(0).max(100).default(10).optional(),
});

/** An upstream Kubernetes Service a route or TCP proxy sends traffic to. */
export const httpProxyServiceSchema = z.object({
  name: z.string(),
  port: portNumber(),
  healthPort: z.int().min(1).max(65535).optional(),
  protocol: z.enum(['h2', 'h2c', 'tls']).optional(),
  weight: int64().min(0).optional(),
  validation: upstreamValidationSchema.optional(),
  mirror: z.boolean().optional(),
  requestHeadersPolicy: headersPolicySchema.optional(),
  responseHeadersPolicy: headersPolicySchema.optional(),
  cookieRewritePolicies: z.array(cookieRewritePolicySchema).optional(),
  slowStartPolicy: slowStartPolicySchema.optional(),
});

const retryOnValues = [
  '5xx',
  'gateway-error',
  'reset',
  'reset-before-request',
  'connect-failure',
  'envoy-ratelimited',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'retriable-headers',
  'http3-post-connect-failure',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
] as const;

export const retryPolicySchema = z.object({
  count: int64().min(-1).default(1).optional(),
  perTryTimeout: z.string().regex(durationOrInfinityPattern).optional(),
  retryOn: z.array(z.enum(retryOnValues)).optional(),
  retriableStatusCodes: z.array(int32()).optional(),
});

const redirectStatusCodes = [301, 302, 303, 307, 308] as const;

export const httpRequestRedirectPolicySchema = z.object({
  scheme: z.enum(['http', 'https']).optional(),
  hostname: z.string().min(1).max(253).regex(dnsSubdomainPattern).optional(),
  port: int32().min(1).max(65535).optional(),
  statusCode: z.literal(redirectStatusCodes).meta({ format: 'int32' }).default(302).optional(),
  path: z
    .string()
    .regex(linearPattern(/^\/.*$/))
    .optional(),
  prefix: z
    .string()
    .regex(linearPattern(/^\/.*$/))
    .optional(),
});

export const httpDirectResponsePolicySchema = z.object({
  statusCode: z.int().min(200).max(599),
  body: z.string().optional(),
});

export const pathRewritePolicySchema = z.object({
  replacePrefix: z
    .array(z.object({ prefix: z.string().min(1).optional(), replacement: z.string().min(1) }))
    .optional(),
});

const healthCheckPolicySchema = z.object({
  path: z.string(),
  host: z.string().optional(),
  intervalSeconds: int64().optional(),
  timeoutSeconds: int64().optional(),
  unhealthyThresholdCount: int64().min(0).optional(),
  healthyThresholdCount: int64().min(0).optional(),
  expectedStatuses: z
    .array(z.object({ start: int64().min(100).max(599), end: int64().min(101).max(600) }))
    .optional(),
});

const authorizationPolicySchema = z.object({
  disabled: z.boolean().optional(),
  context: z.record(z.string(), z.string()).optional(),
});

const ipFilterPolicySchema = z.object({ source: z.enum(['Peer', 'Remote']), cidr: z.string() });

export const rateLimitPolicySchema = z.object({
  local: z
    .object({
      requests: int32().min(1),
      unit: z.enum(['second', 'minute', 'hour']),
      burst: int32().optional(),
      responseStatusCode: int32().min(400).max(599).optional(),
      responseHeadersToAdd: z.array(headerValueSchema).optional(),
    })
    .optional(),
  global: z
    .object({
      disabled: z.boolean().optional(),
      descriptors: z
        .array(
          z.object({
            entries: z
              .array(
                z.object({
                  genericKey: z.object({ key: z.string().optional(), value: z.string().min(1) }).optional(),
                  requestHeader: z
                    .object({ headerName: z.string().min(1), descriptorKey: z.string().min(1) })
                    .optional(),
                  requestHeaderValueMatch: z
                    .object({
                      headers: z.array(headerMatchConditionSchema).min(1).optional(),
                      expectMatch: z.boolean().default(true).optional(),
                      value: z.string().min(1),
                    })
                    .optional(),
                  remoteAddress: z.object({}).optional(),
                }),
              )
              .min(1),
          }),
        )
        .min(1)
        .optional(),
    })
    .optional(),
});

const internalRedirectPolicySchema = z.object({
  maxInternalRedirects: int32().optional(),
  redirectResponseCodes: z.array(z.literal(redirectStatusCodes).meta({ format: 'int32' })).optional(),
  allowCrossSchemeRedirect: z.enum(['Always', 'Never', 'SafeOnly']).default('Never').optional(),
  denyRepeatedRouteRedirect: z.boolean().optional(),
});

/** One entry of `spec.routes`. */
export const httpProxyRouteSchema = z.object({
  conditions: z.array(matchConditionSchema).optional(),
  services: z.array(httpProxyServiceSchema).optional(),
  enableWebsockets: z.boolean().optional(),
  permitInsecure: z.boolean().optional(),
  authPolicy: authorizationPolicySchema.optional(),
  timeoutPolicy: timeoutPolicySchema.optional(),
  retryPolicy: retryPolicySchema.optional(),
  healthCheckPolicy: healthCheckPolicySchema.optional(),
  loadBalancerPolicy: loadBalancerPolicySchema.optional(),
  pathRewritePolicy: pathRewritePolicySchema.optional(),
  requestHeadersPolicy: headersPolicySchema.optional(),
  responseHeadersPolicy: headersPolicySchema.optional(),
  cookieRewritePolicies: z.array(cookieRewritePolicySchema).optional(),
  rateLimitPolicy: rateLimitPolicySchema.optional(),
  requestRedirectPolicy: httpRequestRedirectPolicySchema.optional(),
  directResponsePolicy: httpDirectResponsePolicySchema.optional(),
  internalRedirectPolicy: internalRedirectPolicySchema.optional(),
  jwtVerificationPolicy: z
    .object({ require: z.string().optional(), disabled: z.boolean().optional() })
    .optional(),
  ipAllowPolicy: z.array(ipFilterPolicySchema).optional(),
  ipDenyPolicy: z.array(ipFilterPolicySchema).optional(),
});

/** A reference to another HTTPProxy. */
export const includeSchema = z.object({
  name: z.string().min(1),
  namespace: z.string().optional(),
  conditions: z.array(matchConditionSchema).optional(),
});

const tcpProxyIncludeSchema = z.object({ name: z.string(), namespace: z.string().optional() });

export const tcpProxySchema = z.object({
  loadBalancerPolicy: loadBalancerPolicySchema.optional(),
  services: z.array(httpProxyServiceSchema).optional(),
  include: tcpProxyIncludeSchema.optional(),
  /** Deprecated spelling of `include`, still accepted by Contour. */
  includes: tcpProxyIncludeSchema.optional(),
  healthCheckPolicy: z
    .object({
      intervalSeconds: int64().optional(),
      timeoutSeconds: int64().optional(),
      unhealthyThresholdCount: int32().optional(),
      healthyThresholdCount: int32().optional(),
    })
    .optional(),
});

const clientValidationSchema = z.object({
  skipClientCertValidation: z.boolean().optional(),
  caSecret: z.string().min(1).optional(),
  crlSecret: z.string().min(1).optional(),
  crlOnlyVerifyLeafCert: z.boolean().optional(),
  forwardClientCertificate: z
    .object({
      subject: z.boolean().optional(),
      cert: z.boolean().optional(),
      chain: z.boolean().optional(),
      dns: z.boolean().optional(),
      uri: z.boolean().optional(),
    })
    .optional(),
  optionalClientCertificate: z.boolean().optional(),
});

export const tlsSchema = z.object({
  secretName: z.string().optional(),
  minimumProtocolVersion: z.string().optional(),
  maximumProtocolVersion: z.string().optional(),
  passthrough: z.boolean().optional(),
  clientValidation: clientValidationSchema.optional(),
  enableFallbackCertificate: z.boolean().optional(),
});

const allowedHeaderSchema = z
  .object({
    exact: z.string().optional(),
    prefix: z.string().optional(),
    suffix: z.string().optional(),
    contains: z.string().optional(),
    ignoreCase: z.boolean().optional(),
  })
  .meta({
    'x-kubernetes-validations': [
      {
        rule: '(has(self.exact) ? 1 : 0) + (has(self.prefix) ? 1 : 0) + (has(self.suffix) ? 1 : 0) + (has(self.contains) ? 1 : 0) == 1',
        message: 'only one of prefix, suffix, exact, and contains should be set in the allowedHeader',
      },
    ],
  });

export const authorizationServerSchema = z
  .object({
    extensionRef: z
      .object({
        apiVersion: z.string().min(1).optional(),
        namespace: z.string().min(1).optional(),
        name: z.string().min(1).optional(),
      })
      .optional(),
    authPolicy: authorizationPolicySchema.optional(),
    responseTimeout: z.string().regex(durationOrInfinityPattern).optional(),
    failOpen: z.boolean().optional(),
    withRequestBody: z
      .object({
        maxRequestBytes: int32().min(1).default(1024).optional(),
        allowPartialMessage: z.boolean().optional(),
        packAsBytes: z.boolean().optional(),
      })
      .optional(),
    serviceType: z.enum(['http', 'grpc']).default('grpc').optional(),
    httpSettings: z
      .object({
        pathPrefix: z.string().optional(),
        allowedAuthorizationHeaders: z.array(allowedHeaderSchema).optional(),
        allowedUpstreamHeaders: z.array(allowedHeaderSchema).optional(),
      })
      .optional(),
  })
  .meta({
    'x-kubernetes-validations': [
      {
        rule: "!has(self.httpSettings) || self.serviceType == 'http'",
        message: "httpSettings can only be set when serviceType is 'http'",
      },
    ],
  });

const corsPolicySchema = z.object({
  allowCredentials: z.boolean().optional(),
  allowPrivateNetwork: z.boolean().optional(),
  allowOrigin: z.array(z.string()).min(1),
  allowMethods: z.array(z.string().regex(httpTokenPattern)).min(1),
  allowHeaders: z.array(z.string().regex(httpTokenPattern)).min(1).optional(),
  exposeHeaders: z.array(z.string().regex(httpTokenPattern)).min(1).optional(),
  maxAge: z.string().regex(durationOrZeroPattern).optional(),
});

const jwtProviderSchema = z
  .object({
    name: z.string().min(1),
    issuer: z.string().optional(),
    audiences: z.array(z.string()).optional(),
    remoteJWKS: z
      .object({
        uri: z.string().min(1),
        timeout: z.string().regex(durationPattern).optional(),
        cacheDuration: z.string().regex(durationPattern).optional(),
        dnsLookupFamily: z.enum(['auto', 'v4', 'v6']).optional(),
        validation: upstreamValidationSchema.optional(),
      })
      .optional(),
    localJWKS: z.object({ secretName: z.string().min(1), key: z.string().min(1) }).optional(),
    default: z.boolean().optional(),
    forwardJWT: z.boolean().optional(),
  })
  .meta({
    'x-kubernetes-validations': [
      {
        rule: '(has(self.remoteJWKS) && !has(self.localJWKS)) || (!has(self.remoteJWKS) && has(self.localJWKS))',
        message: 'exactly one of remoteJWKS or localJWKS must be set',
      },
    ],
  });

/** `spec.virtualhost`: makes an HTTPProxy a root. */
export const virtualHostSchema = z.object({
  fqdn: z
    .string()
    .min(1)
    .regex(linearPattern(/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/)),
  tls: tlsSchema.optional(),
  authorization: authorizationServerSchema.optional(),
  corsPolicy: corsPolicySchema.optional(),
  rateLimitPolicy: rateLimitPolicySchema.optional(),
  jwtProviders: z.array(jwtProviderSchema).optional(),
  ipAllowPolicy: z.array(ipFilterPolicySchema).optional(),
  ipDenyPolicy: z.array(ipFilterPolicySchema).optional(),
});

export const httpProxySpecSchema = z.object({
  virtualhost: virtualHostSchema.optional(),
  routes: z.array(httpProxyRouteSchema).optional(),
  tcpproxy: tcpProxySchema.optional(),
  includes: z.array(includeSchema).optional(),
  ingressClassName: z.string().optional(),
});

const loadBalancerIngressSchema = z.object({
  ip: z.string().optional(),
  hostname: z.string().optional(),
  ipMode: z.string().optional(),
  ports: z
    .array(
      z.object({
        port: int32(),
        protocol: z.string(),
        error: z
          .string()
          .max(316)
          .regex(
            linearPattern(
              /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/,
            ),
          )
          .optional(),
      }),
    )
    .meta({ 'x-kubernetes-list-type': 'atomic' })
    .optional(),
});

export const httpProxyStatusSchema = z
  .object({
    currentStatus: z.string().optional(),
    description: z.string().optional(),
    loadBalancer: z
      .object({
        ingress: z.array(loadBalancerIngressSchema).meta({ 'x-kubernetes-list-type': 'atomic' }).optional(),
      })
      .optional(),
    conditions: conditionsSchema.optional(),
  })
  .meta({ default: { currentStatus: 'NotReconciled', description: 'Waiting for controller' } });

export type HttpProxySpec = z.output<typeof httpProxySpecSchema>;
export type HttpProxySpecInput = z.input<typeof httpProxySpecSchema>;
export type HttpProxyRoute = z.output<typeof httpProxyRouteSchema>;
export type HttpProxyService = z.output<typeof httpProxyServiceSchema>;
export type HttpProxyInclude = z.output<typeof includeSchema>;
export type MatchCondition = z.output<typeof matchConditionSchema>;
export type HeadersPolicyInput = z.output<typeof headersPolicySchema>;
export type HttpProxyTls = z.output<typeof tlsSchema>;
export type HttpProxyTcpProxy = z.output<typeof tcpProxySchema>;
export type HttpProxyStatus = z.output<typeof httpProxyStatusSchema>;

/** An HTTPProxy as read from the API or a manifest (spec not yet validated). */
export interface HttpProxy extends KubeObject {
  kind: 'HTTPProxy';
  spec?: HttpProxySpecInput;
  status?: HttpProxyStatus;
}
