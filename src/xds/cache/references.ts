// Which other xDS resources an Envoy resource names: the edges make-before-break must respect.
// Found by walking the message tree with its descriptors (unpacking Any through src/envoy/registry.ts,
// which holds every type translate emits),
// so a reference buried in a filter's typed_config is found as surely as a top-level one.
import { fromBinary, type DescField, type DescMessage, type Registry } from '@bufbuild/protobuf';
import { isWrapperDesc } from '@bufbuild/protobuf/wkt';
import type { ResourceType } from '../../envoy/resources.js';
import { envoyRegistry } from '../../envoy/registry.js';

/** Names of resources referred to, by the type they must be found in; each list sorted and unique. */
export type References = Readonly<Partial<Record<ResourceType, readonly string[]>>>;

type PlainMessage = Record<string, unknown>;
type Collect = (type: ResourceType, name: unknown) => void;

interface OneofValue {
  case?: string;
  value?: unknown;
}

const oneofCase = (message: PlainMessage, oneof: string): OneofValue =>
  (message[oneof] as OneofValue | undefined) ?? {};

// EDS cluster discovery type (envoy.config.cluster.v3.Cluster.DiscoveryType.EDS).
const edsDiscoveryType = 3;

/** What each message type contributes, keyed by its full proto name. */
const collectors: Record<string, (message: PlainMessage, collect: Collect) => void> = {
  'envoy.config.route.v3.RouteAction': (m, collect) => {
    const specifier = oneofCase(m, 'clusterSpecifier');
    if (specifier.case === 'cluster') collect('cluster', specifier.value);
  },
  'envoy.config.route.v3.RouteAction.RequestMirrorPolicy': (m, collect) => collect('cluster', m.cluster),
  'envoy.config.route.v3.WeightedCluster.ClusterWeight': (m, collect) => collect('cluster', m.name),
  'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy': (m, collect) => {
    const specifier = oneofCase(m, 'clusterSpecifier');
    if (specifier.case === 'cluster') collect('cluster', specifier.value);
  },
  'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.WeightedCluster.ClusterWeight': (m, collect) =>
    collect('cluster', m.name),
  'envoy.extensions.filters.network.http_connection_manager.v3.Rds': (m, collect) =>
    collect('route', m.routeConfigName),
  // Without an sds_config the name refers to a static secret of the bootstrap, not to one we serve.
  'envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig': (m, collect) => {
    if (m.sdsConfig !== undefined) collect('secret', m.name);
  },
  'envoy.config.core.v3.GrpcService.EnvoyGrpc': (m, collect) => collect('cluster', m.clusterName),
  'envoy.config.core.v3.HttpUri': (m, collect) => {
    const upstream = oneofCase(m, 'httpUpstreamType');
    if (upstream.case === 'cluster') collect('cluster', upstream.value);
  },
  'envoy.config.cluster.v3.Cluster': (m, collect) => {
    const discovery = oneofCase(m, 'clusterDiscoveryType');
    if (discovery.case !== 'type' || discovery.value !== edsDiscoveryType) return;
    const eds = m.edsClusterConfig as PlainMessage | undefined;
    const serviceName = typeof eds?.serviceName === 'string' ? eds.serviceName : '';
    collect('endpoint', serviceName !== '' ? serviceName : m.name);
  },
};

const isPlainMessage = (value: unknown): value is PlainMessage => typeof value === 'object' && value !== null;

const anyTypeName = 'google.protobuf.Any';

/** The message types a field can hold (wrapper types arrive unboxed as primitives and hold no references). */
const fieldMessage = (field: DescField): DescMessage | undefined => {
  const message =
    field.fieldKind === 'message' ||
    (field.fieldKind === 'list' && field.listKind === 'message') ||
    (field.fieldKind === 'map' && field.mapKind === 'message')
      ? field.message
      : undefined;
  return message === undefined || isWrapperDesc(message) ? undefined : message;
};

const mayReferCache = new Map<DescMessage, boolean>();

/**
 * Whether a message of this type can hold a reference anywhere below it: some type reachable through
 * its fields has a collector, or is an Any (whose content is checked when it is met). Most of a route
 * (matches, headers, policies) cannot, and the walk skips it without looking.
 */
const mayRefer = (desc: DescMessage): boolean => {
  const known = mayReferCache.get(desc);
  if (known !== undefined) return known;
  const seen = new Set<DescMessage>([desc]);
  const pending = [desc];
  let found = false;
  while (!found && pending.length > 0) {
    const next = pending.pop() as DescMessage;
    if (collectors[next.typeName] !== undefined || next.typeName === anyTypeName || mayReferCache.get(next)) {
      found = true;
      break;
    }
    for (const field of next.fields) {
      const message = fieldMessage(field);
      if (message !== undefined && !seen.has(message) && mayReferCache.get(message) !== false) {
        seen.add(message);
        pending.push(message);
      }
    }
  }
  mayReferCache.set(desc, found);
  return found;
};

interface WalkPlan {
  /** Plain fields worth descending into. */
  fields: DescField[];
  /** Oneofs with at least one such field. */
  oneofs: { localName: string; fields: DescField[] }[];
}

const walkPlans = new Map<DescMessage, WalkPlan>();

const walkPlanOf = (desc: DescMessage): WalkPlan => {
  let plan = walkPlans.get(desc);
  if (plan !== undefined) return plan;
  const worthIt = (field: DescField): boolean => {
    const message = fieldMessage(field);
    return message !== undefined && mayRefer(message);
  };
  plan = { fields: [], oneofs: [] };
  for (const member of desc.members) {
    if (member.kind === 'oneof') {
      const fields = member.fields.filter(worthIt);
      if (fields.length > 0) plan.oneofs.push({ localName: member.localName, fields });
    } else if (worthIt(member)) {
      plan.fields.push(member);
    }
  }
  walkPlans.set(desc, plan);
  return plan;
};

const walkMessage = (
  desc: DescMessage,
  message: PlainMessage,
  registry: Registry,
  collect: Collect,
): void => {
  collectors[desc.typeName]?.(message, collect);
  if (desc.typeName === anyTypeName) {
    const typeUrl = typeof message.typeUrl === 'string' ? message.typeUrl : '';
    const inner = registry.getMessage(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
    if (inner === undefined || !mayRefer(inner) || !(message.value instanceof Uint8Array)) return;
    // Unpacking cannot fail on bytes we encoded ourselves, but a reference walk must never throw.
    try {
      walkMessage(inner, fromBinaryLoose(inner, message.value), registry, collect);
    } catch {
      return;
    }
    return;
  }
  const plan = walkPlanOf(desc);
  for (const oneof of plan.oneofs) {
    const chosen = oneofCase(message, oneof.localName);
    if (chosen.case === undefined) continue;
    const field = oneof.fields.find((f) => f.localName === chosen.case);
    if (field !== undefined) walkField(field, chosen.value, registry, collect);
  }
  for (const field of plan.fields) walkField(field, message[field.localName], registry, collect);
};

const walkField = (field: DescField, value: unknown, registry: Registry, collect: Collect): void => {
  if (field.fieldKind === 'message') {
    if (isPlainMessage(value)) walkMessage(field.message, value, registry, collect);
  } else if (field.fieldKind === 'list' && field.listKind === 'message' && Array.isArray(value)) {
    for (const element of value as unknown[]) {
      if (isPlainMessage(element)) walkMessage(field.message, element, registry, collect);
    }
  } else if (field.fieldKind === 'map' && field.mapKind === 'message' && isPlainMessage(value)) {
    for (const element of Object.values(value)) {
      if (isPlainMessage(element)) walkMessage(field.message, element, registry, collect);
    }
  }
};

const fromBinaryLoose = (desc: DescMessage, bytes: Uint8Array): PlainMessage => fromBinary(desc, bytes);

/** Lists the resources a message of the given schema refers to (clusters, route configs, secrets, endpoints). */
export const findReferences = (
  desc: DescMessage,
  message: object,
  registry: Registry = envoyRegistry,
): References => {
  const found: Partial<Record<ResourceType, Set<string>>> = {};
  walkMessage(desc, message as PlainMessage, registry, (type, name) => {
    if (typeof name !== 'string' || name === '') return;
    (found[type] ??= new Set()).add(name);
  });
  const references: Partial<Record<ResourceType, readonly string[]>> = {};
  for (const [type, names] of Object.entries(found) as [ResourceType, Set<string>][]) {
    references[type] = [...names].sort();
  }
  return references;
};
