// projectcontour.io/v1alpha1 ExtensionService: an external gRPC/HTTP service Envoy calls (e.g. ext_authz).
// One zod definition gives the type, the validation and the CRD openAPIV3Schema.
import { z } from 'zod';
import {
  conditionsStatusSchema,
  int32,
  loadBalancerPolicySchema,
  portNumber,
  timeoutPolicySchema,
  upstreamValidationSchema,
} from './common.js';
import type { KubeObject } from './meta.js';

export const extensionServiceApiVersion = 'projectcontour.io/v1alpha1';

export const extensionServiceTargetSchema = z.object({
  name: z.string(),
  port: portNumber(),
  weight: int32().optional(),
});

export const extensionServiceSpecSchema = z.object({
  services: z.array(extensionServiceTargetSchema).min(1),
  validation: upstreamValidationSchema.optional(),
  protocol: z.enum(['http/1.1', 'h2', 'h2c']).optional(),
  loadBalancerPolicy: loadBalancerPolicySchema.optional(),
  timeoutPolicy: timeoutPolicySchema.optional(),
  protocolVersion: z.enum(['v3']).optional(),
  circuitBreakerPolicy: z
    .object({
      maxConnections: int32().optional(),
      maxPendingRequests: int32().optional(),
      maxRequests: int32().optional(),
      maxRetries: int32().optional(),
      perHostMaxConnections: int32().optional(),
    })
    .optional(),
});

export const extensionServiceStatusSchema = conditionsStatusSchema;

export type ExtensionServiceSpec = z.output<typeof extensionServiceSpecSchema>;

/** An ExtensionService as read from the API or a manifest (spec not yet validated). */
export interface ExtensionService extends KubeObject {
  kind: 'ExtensionService';
  spec?: z.input<typeof extensionServiceSpecSchema>;
}
