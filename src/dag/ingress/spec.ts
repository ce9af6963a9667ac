// Reads an Ingress spec defensively: objects from a manifests directory never passed API validation, so
// every field may be missing or of the wrong type. Produces one entry per (host, path) with the default
// backend first, as Contour prepends it so that a rule for the same host and path overrides it.
import type { Ingress } from '../../apis/kubernetes.js';

/** A Service backend: port by number or by name. */
export interface IngressServiceBackend {
  name: string;
  port: number | string;
}

/** One path of one rule (or the default backend), with where it came from for messages. */
export interface IngressPathEntry {
  /** The rule's host; '' for the default backend and host-less rules. */
  host: string;
  /** The path as written ('' when absent). */
  path: string;
  /** The path type as written ('' when absent; Contour then uses ImplementationSpecific). */
  pathType: string;
  /** The Service backend, or why the backend cannot be served. */
  backend: { ok: true; service: IngressServiceBackend } | { ok: false; message: string };
  /** e.g. `spec.rules[0].http.paths[1]`, for diagnostics. */
  field: string;
}

/** One `spec.tls` entry. */
export interface IngressTlsEntry {
  hosts: string[];
  secretName: string;
  field: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const arrayOf = (value: unknown): unknown[] => (Array.isArray(value) ? (value as unknown[]) : []);

const stringOf = (value: unknown): string => (typeof value === 'string' ? value : '');

const backendOf = (value: unknown): IngressPathEntry['backend'] => {
  if (!isRecord(value)) return { ok: false, message: 'backend is missing' };
  const service = value.service;
  if (!isRecord(service)) {
    if (isRecord(value.resource)) {
      return { ok: false, message: 'resource backends are not supported, only Service backends are' };
    }
    return { ok: false, message: 'backend has no service' };
  }
  const name = stringOf(service.name);
  if (name === '') return { ok: false, message: 'backend service has no name' };
  const port = isRecord(service.port) ? service.port : {};
  // As Contour: a port name, when given, wins over a number.
  const portName = stringOf(port.name);
  if (portName !== '') return { ok: true, service: { name, port: portName } };
  if (typeof port.number === 'number' && Number.isInteger(port.number) && port.number > 0) {
    return { ok: true, service: { name, port: port.number } };
  }
  return { ok: false, message: `backend service "${name}" has no port number or name` };
};

/** The (host, path) entries of an Ingress: the default backend first, then every rule's paths in order. */
export const ingressPathEntries = (ingress: Ingress): IngressPathEntry[] => {
  const spec: Record<string, unknown> = isRecord(ingress.spec) ? ingress.spec : {};
  const entries: IngressPathEntry[] = [];
  if (spec.defaultBackend !== undefined && spec.defaultBackend !== null) {
    entries.push({
      host: '',
      path: '',
      pathType: 'ImplementationSpecific',
      backend: backendOf(spec.defaultBackend),
      field: 'spec.defaultBackend',
    });
  }
  arrayOf(spec.rules).forEach((rule, ruleIndex) => {
    if (!isRecord(rule)) return;
    const host = stringOf(rule.host);
    const http = isRecord(rule.http) ? rule.http : {};
    arrayOf(http.paths).forEach((path, pathIndex) => {
      if (!isRecord(path)) return;
      entries.push({
        host,
        path: stringOf(path.path),
        pathType: stringOf(path.pathType),
        backend: backendOf(path.backend),
        field: `spec.rules[${ruleIndex}].http.paths[${pathIndex}]`,
      });
    });
  });
  return entries;
};

/** The `spec.tls` entries of an Ingress, with non-string hosts dropped. */
export const ingressTlsEntries = (ingress: Ingress): IngressTlsEntry[] => {
  const spec: Record<string, unknown> = isRecord(ingress.spec) ? ingress.spec : {};
  return arrayOf(spec.tls).flatMap((entry, index) =>
    isRecord(entry)
      ? [
          {
            hosts: arrayOf(entry.hosts).filter((host): host is string => typeof host === 'string'),
            secretName: stringOf(entry.secretName),
            field: `spec.tls[${index}]`,
          },
        ]
      : [],
  );
};

/** The `spec.ingressClassName` field, if it is a string. */
export const ingressClassNameOf = (ingress: Ingress): string | undefined => {
  const spec: Record<string, unknown> = isRecord(ingress.spec) ? ingress.spec : {};
  return typeof spec.ingressClassName === 'string' ? spec.ingressClassName : undefined;
};
