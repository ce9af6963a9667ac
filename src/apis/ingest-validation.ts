// Shape checks for the built-in kinds (and TLSCertificateDelegation) as they enter the store. The API
// server validates what it serves, but manifest files were never validated: an EndpointSlice with
// `endpoints: 5` or an address `not-an-ip` must be refused by name here, not throw deep in a build or
// reach EDS. Only the fields contour-ts reads are checked; unknown fields pass.
import { isIP } from 'node:net';
import { z } from 'zod';
import { tlsCertificateDelegationSpecSchema } from './tlscertificatedelegation.js';
import type { KubeObject } from './meta.js';

const stringMap = z.record(z.string(), z.string());

const metadataSchema = z.looseObject({
  name: z.string().min(1),
  namespace: z.string().optional(),
  labels: stringMap.nullish(),
  annotations: stringMap.nullish(),
});

const port = z.int().min(0).max(65535);

const serviceSchema = z.looseObject({
  spec: z.looseObject({
    type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']).optional(),
    ports: z
      .array(
        z.looseObject({
          name: z.string().optional(),
          protocol: z.string().optional(),
          port: port,
          targetPort: z.union([port, z.string()]).optional(),
          appProtocol: z.string().optional(),
        }),
      )
      .optional(),
    externalName: z.string().optional(),
    clusterIP: z.string().optional(),
  }),
});

const endpointSliceSchema = z.looseObject({
  addressType: z.enum(['IPv4', 'IPv6', 'FQDN']),
  endpoints: z
    .array(
      z.looseObject({
        addresses: z.array(z.string()).min(1),
        conditions: z
          .looseObject({
            ready: z.boolean().nullish(),
            serving: z.boolean().nullish(),
            terminating: z.boolean().nullish(),
          })
          .optional(),
        hostname: z.string().optional(),
        nodeName: z.string().optional(),
        zone: z.string().optional(),
      }),
    )
    .nullish(),
  ports: z
    .array(
      z.looseObject({
        name: z.string().nullish(),
        port: port.nullish(),
        protocol: z.string().nullish(),
        appProtocol: z.string().nullish(),
      }),
    )
    .nullish(),
});

const secretSchema = z.looseObject({
  type: z.string().optional(),
  data: stringMap.nullish(),
  stringData: stringMap.nullish(),
});

const ingressBackendSchema = z.looseObject({
  service: z
    .looseObject({
      name: z.string(),
      port: z.looseObject({ number: port.optional(), name: z.string().optional() }),
    })
    .optional(),
  resource: z.looseObject({ apiGroup: z.string().optional(), kind: z.string(), name: z.string() }).optional(),
});

const ingressSchema = z.looseObject({
  spec: z.looseObject({
    ingressClassName: z.string().optional(),
    defaultBackend: ingressBackendSchema.optional(),
    tls: z
      .array(z.looseObject({ hosts: z.array(z.string()).optional(), secretName: z.string().optional() }))
      .optional(),
    rules: z
      .array(
        z.looseObject({
          host: z.string().optional(),
          http: z
            .looseObject({
              paths: z.array(
                z.looseObject({
                  path: z.string().optional(),
                  pathType: z.string(),
                  backend: ingressBackendSchema,
                }),
              ),
            })
            .optional(),
        }),
      )
      .optional(),
  }),
});

const ingressClassSchema = z.looseObject({
  spec: z.looseObject({ controller: z.string().optional() }).optional(),
});

const delegationSchema = z.looseObject({ spec: tlsCertificateDelegationSpecSchema });

const schemas: Record<string, z.ZodType> = {
  Service: serviceSchema,
  EndpointSlice: endpointSliceSchema,
  Secret: secretSchema,
  Ingress: ingressSchema,
  IngressClass: ingressClassSchema,
  TLSCertificateDelegation: delegationSchema,
};

const pathOf = (path: PropertyKey[]): string =>
  path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}${text ? '.' : ''}${String(key)}`),
    '',
  );

const firstIssue = (error: z.ZodError): string => {
  const issue = error.issues[0];
  return `${pathOf(issue.path) || '(object)'}: ${issue.message}`;
};

// The API server requires every address of an IPv4 or IPv6 slice to be an IP of that family.
const endpointAddressError = (object: KubeObject): string | undefined => {
  const family = object.addressType === 'IPv4' ? 4 : object.addressType === 'IPv6' ? 6 : 0;
  if (family === 0) return undefined;
  const endpoints = (object.endpoints ?? []) as { addresses: string[] }[];
  for (const [index, endpoint] of endpoints.entries()) {
    for (const [position, address] of endpoint.addresses.entries()) {
      if (isIP(address) !== family) {
        return `endpoints[${index}].addresses[${position}]: "${address}" is not an ${String(object.addressType)} address`;
      }
    }
  }
  return undefined;
};

/**
 * Why an object cannot enter the store (its metadata, or for a built-in kind the fields contour-ts
 * reads, are malformed), or undefined. The message names the field; callers name the object.
 */
export const ingestError = (object: KubeObject): string | undefined => {
  const metadata = metadataSchema.safeParse(object.metadata);
  if (!metadata.success) return `metadata.${firstIssue(metadata.error)}`;
  const schema = schemas[object.kind];
  if (!schema) return undefined;
  const parsed = schema.safeParse(object);
  if (!parsed.success) return firstIssue(parsed.error);
  return object.kind === 'EndpointSlice' ? endpointAddressError(object) : undefined;
};
