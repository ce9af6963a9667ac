// projectcontour.io/v1 TLSCertificateDelegation: lets HTTPProxies in other namespaces use a namespace's
// TLS secrets. One zod definition gives the type, the validation and the CRD openAPIV3Schema.
import { z } from 'zod';
import { conditionsStatusSchema } from './common.js';
import type { KubeObject } from './meta.js';

export const tlsCertificateDelegationApiVersion = 'projectcontour.io/v1';

/** One delegated secret and the namespaces (or `*` for all) allowed to use it. */
export const certificateDelegationSchema = z.object({
  secretName: z.string(),
  targetNamespaces: z.array(z.string()),
});

export const tlsCertificateDelegationSpecSchema = z.object({
  delegations: z.array(certificateDelegationSchema),
});

export const tlsCertificateDelegationStatusSchema = conditionsStatusSchema;

export type TlsCertificateDelegationSpec = z.output<typeof tlsCertificateDelegationSpecSchema>;
export type CertificateDelegation = z.output<typeof certificateDelegationSchema>;

/** A TLSCertificateDelegation as read from the API or a manifest (spec not yet validated). */
export interface TlsCertificateDelegation extends KubeObject {
  kind: 'TLSCertificateDelegation';
  spec?: z.input<typeof tlsCertificateDelegationSpecSchema>;
}
