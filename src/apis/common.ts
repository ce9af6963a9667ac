// Schema pieces shared by the projectcontour.io CRDs (HTTPProxy, ExtensionService, TLSCertificateDelegation).
// Field names, enums, bounds and patterns follow Contour's published CRDs so the same objects are accepted.
import { z } from 'zod';
import { linearPattern } from './linear-pattern.js';

/** A Go-style duration string, optionally allowing `infinity`/`infinite` (Contour's timeout fields). */
const durationBody = String.raw`(\d*(\.\d*)?(h|m|s|ms|us|µs|ns))+`;
export const durationPattern = linearPattern(new RegExp(`^(${durationBody})$`));
export const durationOrInfinityPattern = linearPattern(new RegExp(`^(${durationBody}|infinity|infinite)$`));
export const durationOrZeroPattern = linearPattern(new RegExp(`^(${durationBody}|0)$`));

/** A lower-case DNS-1123 subdomain. */
export const dnsSubdomainPattern = linearPattern(
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
);

/** An HTTP token (RFC 7230 tchar), used for header names in CORS lists. */
export const httpTokenPattern = linearPattern(/^[a-zA-Z0-9!#$%&'*+.^_`|~-]+$/);

/** int32 and int64 integers, annotated with their OpenAPI format like Contour's CRDs. */
export const int32 = () => z.int().meta({ format: 'int32' });
export const int64 = () => z.int().meta({ format: 'int64' });

/** A TCP port as CRDs spell it: 1 ≤ port < 65536. */
export const portNumber = () => z.int().min(1).lt(65536);

/** A header matching condition (HTTPProxy conditions, rate limit header matches). */
export const headerMatchConditionSchema = z.object({
  name: z.string().min(1),
  present: z.boolean().optional(),
  notpresent: z.boolean().optional(),
  contains: z.string().optional(),
  notcontains: z.string().optional(),
  ignoreCase: z.boolean().optional(),
  exact: z.string().optional(),
  notexact: z.string().optional(),
  regex: z.string().optional(),
  treatMissingAsEmpty: z.boolean().optional(),
});

/** A query parameter matching condition. */
export const queryParameterMatchConditionSchema = z.object({
  name: z.string(),
  exact: z.string().optional(),
  prefix: z.string().optional(),
  suffix: z.string().optional(),
  regex: z.string().optional(),
  contains: z.string().optional(),
  ignoreCase: z.boolean().optional(),
  present: z.boolean().optional(),
});

/** One entry of a route or include `conditions[]` list. */
export const matchConditionSchema = z.object({
  prefix: z.string().optional(),
  exact: z.string().optional(),
  regex: z.string().optional(),
  header: headerMatchConditionSchema.optional(),
  queryParameter: queryParameterMatchConditionSchema.optional(),
});

/** Request-hash load balancing inputs. */
export const requestHashPolicySchema = z.object({
  terminal: z.boolean().optional(),
  headerHashOptions: z.object({ headerName: z.string().min(1) }).optional(),
  queryParameterHashOptions: z.object({ parameterName: z.string().min(1) }).optional(),
  hashSourceIP: z.boolean().optional(),
});

export const loadBalancerPolicySchema = z.object({
  strategy: z.string().optional(),
  requestHashPolicies: z.array(requestHashPolicySchema).optional(),
});

/** Upstream TLS validation: a CA secret and the expected subject name(s). */
export const upstreamValidationSchema = z
  .object({
    caSecret: z.string().min(1).max(317),
    subjectName: z.string().min(1).max(250),
    subjectNames: z.array(z.string()).min(1).max(8).optional(),
  })
  .refine((value) => value.subjectNames === undefined || value.subjectNames[0] === value.subjectName, {
    message: 'subjectNames[0] must equal subjectName if set',
    path: ['subjectNames'],
  })
  .meta({
    'x-kubernetes-validations': [
      {
        rule: 'has(self.subjectNames) ? self.subjectNames[0] == self.subjectName : true',
        message: 'subjectNames[0] must equal subjectName if set',
      },
    ],
  });

export const timeoutPolicySchema = z.object({
  response: z.string().regex(durationOrInfinityPattern).optional(),
  idle: z.string().regex(durationOrInfinityPattern).optional(),
  idleConnection: z.string().regex(durationOrInfinityPattern).optional(),
});

/** The condition and sub-condition shapes Contour writes into `status.conditions`. */
const conditionTypePattern = linearPattern(
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/,
);
const conditionReasonPattern = linearPattern(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/);

export const subConditionSchema = z.object({
  type: z.string().max(316).regex(conditionTypePattern),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().min(1).max(1024).regex(conditionReasonPattern),
  message: z.string().max(32768),
});

export const detailedConditionSchema = z.object({
  type: z.string().max(316).regex(conditionTypePattern),
  status: z.enum(['True', 'False', 'Unknown']),
  observedGeneration: int64().min(0).optional(),
  lastTransitionTime: z.string().meta({ format: 'date-time' }),
  reason: z.string().min(1).max(1024).regex(conditionReasonPattern),
  message: z.string().max(32768),
  errors: z.array(subConditionSchema).optional(),
  warnings: z.array(subConditionSchema).optional(),
});

/** `status.conditions` as a Kubernetes list-map keyed by type. */
export const conditionsSchema = z
  .array(detailedConditionSchema)
  .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] });

/** Status of the simpler kinds (TLSCertificateDelegation, ExtensionService). */
export const conditionsStatusSchema = z.object({ conditions: conditionsSchema.optional() });
