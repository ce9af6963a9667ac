// Where each watched kind lives in the Kubernetes API.
import type { WatchedKind } from '../../apis/meta.js';

/** One API resource the source lists and watches. */
export interface ResourceType {
  kind: WatchedKind;
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
  /** Served by a CRD that may not be installed: skipped (not fatal) when missing. */
  custom: boolean;
  /** Server-side field selector applied to list and watch. */
  fieldSelector?: string;
}

// Helm release records and service-account tokens are never TLS material; filtering them on
// the server keeps them out of memory entirely (Contour does the same).
const secretFieldSelector = 'type!=helm.sh/release.v1,type!=kubernetes.io/service-account-token';

/** The resources watched, in a fixed order. EndpointSlice's version is decided by discovery. */
export const resourceTypes: readonly ResourceType[] = [
  {
    kind: 'HTTPProxy',
    group: 'projectcontour.io',
    version: 'v1',
    plural: 'httpproxies',
    namespaced: true,
    custom: true,
  },
  {
    kind: 'TLSCertificateDelegation',
    group: 'projectcontour.io',
    version: 'v1',
    plural: 'tlscertificatedelegations',
    namespaced: true,
    custom: true,
  },
  {
    kind: 'ExtensionService',
    group: 'projectcontour.io',
    version: 'v1alpha1',
    plural: 'extensionservices',
    namespaced: true,
    custom: true,
  },
  {
    kind: 'Ingress',
    group: 'networking.k8s.io',
    version: 'v1',
    plural: 'ingresses',
    namespaced: true,
    custom: false,
  },
  {
    kind: 'IngressClass',
    group: 'networking.k8s.io',
    version: 'v1',
    plural: 'ingressclasses',
    namespaced: false,
    custom: false,
  },
  { kind: 'Service', group: '', version: 'v1', plural: 'services', namespaced: true, custom: false },
  {
    kind: 'EndpointSlice',
    group: 'discovery.k8s.io',
    version: 'v1',
    plural: 'endpointslices',
    namespaced: true,
    custom: false,
  },
  {
    kind: 'Secret',
    group: '',
    version: 'v1',
    plural: 'secrets',
    namespaced: true,
    custom: false,
    fieldSelector: secretFieldSelector,
  },
];

/** The apiVersion string of a resource ("v1", "projectcontour.io/v1"). */
export const apiVersionOf = (resource: Pick<ResourceType, 'group' | 'version'>): string =>
  resource.group ? `${resource.group}/${resource.version}` : resource.version;

/** The collection path of a resource, in one namespace or across all ('' = all / cluster-scoped). */
export const collectionPath = (
  resource: Pick<ResourceType, 'group' | 'version' | 'plural' | 'namespaced'>,
  namespace: string,
): string => {
  const base = resource.group ? `/apis/${resource.group}/${resource.version}` : `/api/${resource.version}`;
  const scope = resource.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${scope}/${resource.plural}`;
};

/** The path of one object (namespace '' for cluster-scoped kinds). */
export const objectPath = (
  resource: Pick<ResourceType, 'group' | 'version' | 'plural' | 'namespaced'>,
  namespace: string,
  name: string,
): string => `${collectionPath(resource, namespace)}/${encodeURIComponent(name)}`;
