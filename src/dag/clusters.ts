// Cluster identity: a cluster is named after its backend and a hash of its settings, so equal settings
// give equal names wherever (and in whatever order) routes use them.
import { shortHash } from './names.js';
import type { ResolvedService } from './services.js';
import type { CircuitBreakers, Cluster, UpstreamProtocol } from './types.js';

/** The settings a route chooses for an upstream cluster, beyond the Service port itself. */
export interface ClusterSettings {
  protocol?: UpstreamProtocol;
  sni?: string;
  upstreamValidation?: { caSecret: string; subjectName: string };
  loadBalancerPolicy?: Cluster['loadBalancerPolicy'];
  // Contour's Envoy-wide cluster settings (cluster-defaults.ts).
  maxRequestsPerConnection?: number;
  perConnectionBufferLimitBytes?: number;
  circuitBreakers?: CircuitBreakers;
  clientCertificate?: string;
}

/** The EDS service name of a Service port: `namespace/service/portname` (the number when unnamed). */
export const edsNameOf = (service: ResolvedService): string =>
  `${service.namespace}/${service.name}/${service.port.name || String(service.port.port)}`;

/**
 * Cluster-name hashes remembered by a key of the fields they depend on. Owned by whoever builds (an
 * incremental builder keeps one across builds), never module state: a build's output depends only
 * on its inputs.
 */
export type ClusterHashes = Map<string, string>;

/** An empty memo of cluster-name hashes. */
export const createClusterHashes = (): ClusterHashes => new Map();

/** Builds the cluster for a resolved Service port and settings; the name hashes every setting. */
export const makeCluster = (
  service: ResolvedService,
  settings: ClusterSettings,
  hashes: ClusterHashes = createClusterHashes(),
): Cluster => {
  const body: Omit<Cluster, 'name'> = {
    edsName: edsNameOf(service),
    service: {
      namespace: service.namespace,
      name: service.name,
      port: service.port.port,
      ...(service.port.name ? { portName: service.port.name } : {}),
    },
    ...(settings.protocol ? { protocol: settings.protocol } : {}),
    ...(service.externalName !== undefined ? { externalName: service.externalName } : {}),
    ...(settings.sni ? { sni: settings.sni } : {}),
    ...(settings.upstreamValidation ? { upstreamValidation: settings.upstreamValidation } : {}),
    ...(settings.loadBalancerPolicy ? { loadBalancerPolicy: settings.loadBalancerPolicy } : {}),
    ...(settings.maxRequestsPerConnection !== undefined
      ? { maxRequestsPerConnection: settings.maxRequestsPerConnection }
      : {}),
    ...(settings.perConnectionBufferLimitBytes !== undefined
      ? { perConnectionBufferLimitBytes: settings.perConnectionBufferLimitBytes }
      : {}),
    ...(settings.circuitBreakers ? { circuitBreakers: settings.circuitBreakers } : {}),
    ...(settings.clientCertificate ? { clientCertificate: settings.clientCertificate } : {}),
  };
  return {
    name: `${service.namespace}/${service.name}/${service.port.port}/${hashOf(body, hashes)}`,
    ...body,
  };
};

// A 10,000-proxy build names ~25,000 route backends, mostly with plain settings: their hashes are
// remembered by a key of the fields they depend on (bounded: forgotten wholesale past a size).
const hashOf = (body: Omit<Cluster, 'name'>, plainHashes: ClusterHashes): string => {
  if (body.upstreamValidation) return shortHash(body);
  const { service } = body;
  const key = [
    body.edsName,
    service.namespace,
    service.name,
    service.port,
    service.portName ?? '\u0001',
    body.protocol ?? '\u0001',
    body.externalName ?? '\u0001',
    body.sni ?? '\u0001',
    body.loadBalancerPolicy ?? '\u0001',
    body.maxRequestsPerConnection ?? '\u0001',
    body.perConnectionBufferLimitBytes ?? '\u0001',
    body.circuitBreakers ? JSON.stringify(body.circuitBreakers) : '\u0001',
    body.clientCertificate ?? '\u0001',
  ].join('\u0000');
  let hash = plainHashes.get(key);
  if (hash === undefined) {
    if (plainHashes.size >= 100_000) plainHashes.clear();
    hash = shortHash(body);
    plainHashes.set(key, hash);
  }
  return hash;
};
