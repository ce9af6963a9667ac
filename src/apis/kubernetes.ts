// Built-in Kubernetes kinds, typed to the fields contour-ts reads.
import type { KubeObject } from './meta.js';

export interface ServicePort {
  name?: string;
  protocol?: string;
  port: number;
  targetPort?: number | string;
  appProtocol?: string;
}

export interface Service extends KubeObject {
  kind: 'Service';
  spec: {
    type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
    ports?: ServicePort[];
    externalName?: string;
    clusterIP?: string;
  };
  status?: { loadBalancer?: LoadBalancerStatus };
}

export interface LoadBalancerStatus {
  ingress?: { ip?: string; hostname?: string }[];
}

export interface EndpointSlice extends KubeObject {
  kind: 'EndpointSlice';
  addressType: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints?: {
    addresses: string[];
    conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
    hostname?: string;
    nodeName?: string;
    zone?: string;
  }[];
  ports?: { name?: string; port?: number; protocol?: string; appProtocol?: string }[];
}

/** The label an EndpointSlice carries naming its Service. */
export const serviceNameLabel = 'kubernetes.io/service-name';

export interface Secret extends KubeObject {
  kind: 'Secret';
  type?: string;
  /** base64-encoded values, as the API serves them. */
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export interface IngressBackend {
  service?: { name: string; port: { number?: number; name?: string } };
  resource?: { apiGroup?: string; kind: string; name: string };
}

export interface Ingress extends KubeObject {
  kind: 'Ingress';
  spec: {
    ingressClassName?: string;
    defaultBackend?: IngressBackend;
    tls?: { hosts?: string[]; secretName?: string }[];
    rules?: {
      host?: string;
      http?: {
        paths: {
          path?: string;
          pathType: 'Prefix' | 'Exact' | 'ImplementationSpecific';
          backend: IngressBackend;
        }[];
      };
    }[];
  };
  status?: { loadBalancer?: LoadBalancerStatus };
}

export interface IngressClass extends KubeObject {
  kind: 'IngressClass';
  spec: { controller?: string };
}

/** The topology keys v1beta1 EndpointSlices used where v1 has nodeName and zone fields. */
const hostnameTopologyKey = 'kubernetes.io/hostname';
const zoneTopologyKey = 'topology.kubernetes.io/zone';

/** Converts a `discovery.k8s.io/v1beta1` EndpointSlice (Kubernetes < 1.21) to the v1 shape. */
export const endpointSliceFromV1beta1 = (object: KubeObject): EndpointSlice => {
  const endpoints = (object.endpoints as Record<string, unknown>[] | undefined)?.map((endpoint) => {
    const { topology, ...rest } = endpoint as { topology?: Record<string, string> } & Record<string, unknown>;
    const converted = { ...rest } as NonNullable<EndpointSlice['endpoints']>[number];
    // v1 moved these two topology labels into fields and dropped the map.
    if (topology?.[hostnameTopologyKey] && converted.nodeName === undefined) {
      converted.nodeName = topology[hostnameTopologyKey];
    }
    if (topology?.[zoneTopologyKey] && converted.zone === undefined)
      converted.zone = topology[zoneTopologyKey];
    return converted;
  });
  const converted = { ...object, apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' } as EndpointSlice;
  if (endpoints) converted.endpoints = endpoints;
  return converted;
};
