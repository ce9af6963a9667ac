// Service resolution shared by every processor (HTTPProxy, Ingress): finds the Service port a backend
// names, the upstream protocol it speaks, and whether ExternalName Services are allowed.
import { isIP } from 'node:net';
import type { Service, ServicePort } from '../apis/kubernetes.js';
import type { StoreView } from '../store/store.js';
import { serviceCircuitBreakers } from './cluster-defaults.js';
import type { CircuitBreakers, UpstreamProtocol } from './types.js';
import type { StatusSink } from './status.js';

/** A backend Service port, resolved. */
export interface ResolvedService {
  namespace: string;
  name: string;
  port: ServicePort;
  /** Protocol from the port's appProtocol or the Service's upstream-protocol annotations. */
  protocol?: UpstreamProtocol;
  /** Set for ExternalName Services. */
  externalName?: string;
  /** The Service's `projectcontour.io/max-*` circuit breaker annotations (positive values only). */
  circuitBreakers?: CircuitBreakers;
}

export type ServiceLookup = { ok: true; service: ResolvedService } | { ok: false; message: string };

// appProtocol values Contour understands; any other value means plain HTTP/1.1.
const appProtocols: Record<string, UpstreamProtocol | undefined> = {
  'kubernetes.io/h2c': 'h2c',
  'kubernetes.io/ws': undefined,
  http: undefined,
  https: 'tls',
};

const annotatedProtocols = ['h2', 'h2c', 'tls'] as const;

/** The upstream protocol of a Service port: appProtocol first, then `projectcontour.io/upstream-protocol.*`. */
export const upstreamProtocolOf = (service: Service, port: ServicePort): UpstreamProtocol | undefined => {
  if (typeof port.appProtocol === 'string') return appProtocols[port.appProtocol];
  const byPort = new Map<string, UpstreamProtocol>();
  for (const protocol of annotatedProtocols) {
    const annotations: unknown = service.metadata.annotations;
    const value =
      typeof annotations === 'object' && annotations !== null
        ? (annotations as Record<string, unknown>)[`projectcontour.io/upstream-protocol.${protocol}`]
        : undefined;
    if (typeof value !== 'string') continue;
    for (const entry of value.split(',')) {
      const key = entry.trim();
      if (key) byPort.set(key, protocol);
    }
  }
  return (port.name ? byPort.get(port.name) : undefined) ?? byPort.get(String(port.port));
};

const localhostNames = new Set(['localhost', 'localhost.localdomain', 'local.projectcontour.io']);

// Loopback, unspecified and link-local addresses would let a user reach Envoy's own admin interface.
const forbiddenAddress = (address: string): boolean => {
  if (isIP(address) === 4) return /^(127\.|0\.|169\.254\.)/.test(address);
  if (isIP(address) === 6) {
    const lower = address.toLowerCase();
    return lower === '::1' || lower === '::' || /^fe[89ab]/.test(lower);
  }
  return false;
};

/** Finds the port of a Service by number or name, checking ExternalName rules. */
export const resolveService = (
  store: StoreView,
  namespace: string,
  name: string,
  port: number | string,
  enableExternalNameService: boolean,
): ServiceLookup => {
  const service = store.get<Service>('Service', namespace, name);
  if (!service) return { ok: false, message: `service "${namespace}/${name}" not found` };
  // Objects from manifest files were never validated: skip port entries that are not objects.
  const ports = (Array.isArray(service.spec?.ports) ? service.spec.ports : []).filter(
    (candidate): candidate is ServicePort => typeof candidate === 'object' && candidate !== null,
  );
  const match = ports.find((candidate) =>
    typeof port === 'number'
      ? candidate.port === port
      : candidate.name === port || String(candidate.port) === port,
  );
  if (!match) return { ok: false, message: `port "${port}" on service "${namespace}/${name}" not matched` };
  if (match.protocol !== undefined && match.protocol !== '' && match.protocol !== 'TCP') {
    return { ok: false, message: `unsupported service protocol "${match.protocol}"` };
  }
  let externalName: string | undefined;
  if (service.spec?.type === 'ExternalName') {
    externalName = typeof service.spec.externalName === 'string' ? service.spec.externalName : '';
    if (!enableExternalNameService) {
      return {
        ok: false,
        message: `${namespace}/${name} is an ExternalName service, these are not currently enabled. See the config.enableExternalNameService config file setting`,
      };
    }
    const normalized = externalName.replace(/\.$/, '');
    if (localhostNames.has(normalized)) {
      return {
        ok: false,
        message: `${namespace}/${name} is an ExternalName service that points to localhost, this is not allowed`,
      };
    }
    if (forbiddenAddress(normalized)) {
      return {
        ok: false,
        message: `${namespace}/${name} is an ExternalName service that points to a loopback, link-local or unspecified IP address, this is not allowed`,
      };
    }
  }
  return {
    ok: true,
    service: {
      namespace,
      name,
      port: match,
      protocol: upstreamProtocolOf(service, match),
      externalName,
      circuitBreakers: serviceCircuitBreakers(service),
    },
  };
};

/**
 * Resolves a backend reference in `namespace` as a build sees it (its store, its ExternalName setting); when it
 * cannot be resolved, records `ServiceUnresolvedReference` of `errorType` with the lookup's message as
 * `describe` words it, and returns undefined.
 */
export const resolveServiceOrReport = (
  context: { store: StoreView; options: { enableExternalNameService: boolean } },
  sink: StatusSink,
  errorType: string,
  reference: { namespace: string; name: string; port: number | string },
  describe: (message: string) => string,
): ResolvedService | undefined => {
  const lookup = resolveService(
    context.store,
    reference.namespace,
    reference.name,
    reference.port,
    context.options.enableExternalNameService,
  );
  if (lookup.ok) return lookup.service;
  sink.error(errorType, 'ServiceUnresolvedReference', describe(lookup.message));
  return undefined;
};
