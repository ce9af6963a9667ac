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
      http?: { paths: { path?: string; pathType: 'Prefix' | 'Exact' | 'ImplementationSpecific'; backend: IngressBackend }[] };
    }[];
  };
  status?: { loadBalancer?: LoadBalancerStatus };
}

export interface IngressClass extends KubeObject {
  kind: 'IngressClass';
  spec: { controller?: string };
}
