// Turns the zod definitions of the projectcontour.io kinds into CRD openAPIV3Schemas.
import { z } from 'zod';
import { contourConfigurationSpecSchema, contourConfigurationStatusSchema } from './contourconfiguration.js';
import { extensionServiceSpecSchema, extensionServiceStatusSchema } from './extensionservice.js';
import { httpProxySpecSchema, httpProxyStatusSchema } from './httpproxy.js';
import {
  tlsCertificateDelegationSpecSchema,
  tlsCertificateDelegationStatusSchema,
} from './tlscertificatedelegation.js';

/** A JSON Schema node as emitted for a CRD. */
export type OpenApiSchema = Record<string, unknown>;

const int32Max = 2 ** 31 - 1;

// zod bounds every integer by its safe range (or the int32 range); the CRDs state no such bounds, and
// number literal enums come out as `number`: tidy both so the schema reads like Contour's.
const tidy = (node: OpenApiSchema): void => {
  if (node.type === 'integer' || node.type === 'number') {
    if (node.minimum === -Number.MAX_SAFE_INTEGER || node.minimum === -int32Max - 1) delete node.minimum;
    if (node.maximum === Number.MAX_SAFE_INTEGER || node.maximum === int32Max) delete node.maximum;
    if (Array.isArray(node.enum) && node.enum.every((value) => Number.isInteger(value)))
      node.type = 'integer';
  }
};

/** The openAPIV3Schema of a zod schema, in the dialect Kubernetes accepts (OpenAPI 3.0, input shape). */
export const openApiSchemaOf = (schema: z.ZodType): OpenApiSchema =>
  z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input',
    override: (context) => tidy(context.jsonSchema),
  });

/** A CRD root schema: apiVersion, kind, metadata, spec and status; `required` as in Contour's CRD. */
const crdRootSchema = (spec: z.ZodType, status: z.ZodType, required: string[]): OpenApiSchema => {
  const { $schema: _ignored, ...statusSchema } = openApiSchemaOf(status);
  const { $schema: _alsoIgnored, ...specSchema } = openApiSchemaOf(spec);
  return {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: specSchema,
      status: statusSchema,
    },
    ...(required.length > 0 ? { required } : {}),
  };
};

/** The openAPIV3Schema of each projectcontour.io kind, keyed by kind. */
export const contourCrdSchemas = (): Record<
  string,
  { group: string; version: string; plural: string; schema: OpenApiSchema }
> => ({
  HTTPProxy: {
    group: 'projectcontour.io',
    version: 'v1',
    plural: 'httpproxies',
    schema: crdRootSchema(httpProxySpecSchema, httpProxyStatusSchema, ['metadata', 'spec']),
  },
  TLSCertificateDelegation: {
    group: 'projectcontour.io',
    version: 'v1',
    plural: 'tlscertificatedelegations',
    schema: crdRootSchema(tlsCertificateDelegationSpecSchema, tlsCertificateDelegationStatusSchema, [
      'metadata',
      'spec',
    ]),
  },
  ContourConfiguration: {
    group: 'projectcontour.io',
    version: 'v1alpha1',
    plural: 'contourconfigurations',
    schema: crdRootSchema(contourConfigurationSpecSchema, contourConfigurationStatusSchema, ['spec']),
  },
  ExtensionService: {
    group: 'projectcontour.io',
    version: 'v1alpha1',
    plural: 'extensionservices',
    schema: crdRootSchema(extensionServiceSpecSchema, extensionServiceStatusSchema, []),
  },
});
