// Contour's Envoy-wide cluster settings that the build puts on upstream clusters: `cluster.max-requests-per-
// connection`, `cluster.per-connection-buffer-limit-bytes`, `cluster.circuit-breakers` (defaults under a
// Service's `projectcontour.io/max-*` annotations) and `tls.envoy-client-certificate`. As in Contour, HTTP
// clusters (HTTPProxy routes, mirrors, Ingress) get all of them; TCP proxy clusters get the client
// certificate and the Service's own circuit breakers only.
import type { Service } from '../apis/kubernetes.js';
import type { CircuitBreakers } from './types.js';

/** The settings of `contour serve` (config file or ContourConfiguration) applied to upstream clusters. */
export interface ClusterDefaults {
  maxRequestsPerConnection?: number;
  perConnectionBufferLimitBytes?: number;
  /** Thresholds used where a Service has no positive annotation of its own. */
  circuitBreakers?: CircuitBreakers;
  /** The Secret with the certificate and key Envoy presents to TLS backends (read without delegation). */
  clientCertificate?: { namespace: string; name: string };
}

const annotationKeys: Record<keyof CircuitBreakers, string> = {
  maxConnections: 'projectcontour.io/max-connections',
  maxPendingRequests: 'projectcontour.io/max-pending-requests',
  maxRequests: 'projectcontour.io/max-requests',
  maxRetries: 'projectcontour.io/max-retries',
  perHostMaxConnections: 'projectcontour.io/per-host-max-connections',
};

const maxUint32 = 4_294_967_295;

// Contour reads each annotation as a base-10 uint32; absent, malformed or 0 means "not set".
const uint32Of = (value: unknown): number | undefined => {
  if (typeof value !== 'string' || !/^[0-9]+$/.test(value)) return undefined;
  const number = Number(value);
  return number > 0 && number <= maxUint32 ? number : undefined;
};

/** A Service's circuit breaker annotations (positive values only); undefined when it has none. */
export const serviceCircuitBreakers = (service: Service): CircuitBreakers | undefined => {
  const annotations: unknown = service.metadata.annotations;
  if (typeof annotations !== 'object' || annotations === null) return undefined;
  const breakers: CircuitBreakers = {};
  for (const [field, key] of Object.entries(annotationKeys) as [keyof CircuitBreakers, string][]) {
    const value = uint32Of((annotations as Record<string, unknown>)[key]);
    if (value !== undefined) breakers[field] = value;
  }
  return Object.keys(breakers).length > 0 ? breakers : undefined;
};

/** Each threshold from the Service, else from the defaults (Contour's serviceCircuitBreakerPolicy). */
const mergedCircuitBreakers = (
  service: CircuitBreakers | undefined,
  defaults: CircuitBreakers | undefined,
): CircuitBreakers | undefined => {
  if (!defaults) return service;
  const merged: CircuitBreakers = {};
  for (const field of Object.keys(annotationKeys) as (keyof CircuitBreakers)[]) {
    const value = service?.[field] ?? defaults[field];
    if (value !== undefined && value > 0) merged[field] = value;
  }
  return Object.keys(merged).length > 0 ? merged : undefined;
};

/** The cluster settings an HTTP backend gets from the defaults (and its Service's annotations). */
export const httpClusterDefaults = (
  defaults: ClusterDefaults | undefined,
  serviceBreakers: CircuitBreakers | undefined,
  clientCertificate: string | undefined,
): {
  maxRequestsPerConnection?: number;
  perConnectionBufferLimitBytes?: number;
  circuitBreakers?: CircuitBreakers;
  clientCertificate?: string;
} => ({
  maxRequestsPerConnection: defaults?.maxRequestsPerConnection,
  perConnectionBufferLimitBytes: defaults?.perConnectionBufferLimitBytes,
  circuitBreakers: mergedCircuitBreakers(serviceBreakers, defaults?.circuitBreakers),
  clientCertificate,
});
