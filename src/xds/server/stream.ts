// One xDS stream (state of the world or delta, ADS or one type): reads requests, tracks what the client
// has, and sends what it should have next. At most one response per type is unanswered at a time, and
// responses are built from the newest snapshot when they are sent, so a slow client gets the newest
// version, never a backlog.
import { status as grpcStatus, type ServerDuplexStream } from '@grpc/grpc-js';
import type { Logger } from '../../util/logger.js';
import { typeUrls, type ResourceType } from '../../envoy/resources.js';
import type { Node } from '../../gen/envoy/config/core/v3/base_pb.js';
import type { Status } from '../../gen/google/rpc/status_pb.js';
import type { DeltaDiscoveryRequest } from '../../gen/envoy/service/discovery/v3/discovery_pb.js';
import { resourceTypeOfUrl, type CachedResource } from '../cache/cached-resource.js';
import type { SnapshotCache, SnapshotChange } from '../cache/snapshot-cache.js';
import { nackCounter } from './metrics.js';
import { heldOf, planTargets, sendOrder, type Plan, type PlanHooks } from './planner.js';
import type { DiscoveryMethod } from './service-definitions.js';
import type { ResponseCache } from './shared-responses.js';
import { decodeSotwRequest, hasMoreNamesThan, sameEncoding } from './sotw-request.js';
import { limitRefusal, type LimitRefusal, type XdsLimits } from './limits.js';
import {
  applyDeltaSubscriptions,
  applySotwNames,
  clientView,
  isSubscribed,
  isWildcard,
  newTypeState,
  sotwSendsWholeView,
  type NackInfo,
  type TypeState,
  type View,
  type ViewItem,
} from './type-state.js';
import { sameDigest, versionInfoOf } from '../cache/type-digest.js';
import { applyPatch, isOverlay } from './view-overlay.js';

/** One type's state on one stream, for the debug page. */
export interface ClientTypeInfo {
  typeUrl: string;
  wildcard: boolean;
  names: string[];
  ackedVersion: string;
  /** Nonce of the response awaiting an ACK, if any. */
  pendingNonce?: string;
  ackedResources: Record<string, string>;
  nackCount: number;
  lastNack?: NackInfo;
}

/** One connected stream, for the debug page. */
export interface ClientInfo {
  streamId: number;
  /** e.g. "ads-delta", "sotw" (a per-type service). */
  kind: string;
  method: string;
  peer: string;
  nodeId: string;
  nodeCluster: string;
  userAgent: string;
  connectedAt: string;
  types: ClientTypeInfo[];
}

export interface XdsStream {
  readonly id: number;
  info(): ClientInfo;
  /** Wakes the stream if the change touches what it subscribes to or has. */
  onSnapshotChange(change: SnapshotChange): void;
  /** Ends the stream with status OK so the client reconnects (to another replica). */
  end(): void;
}

export type SotwCall = ServerDuplexStream<Uint8Array, Uint8Array>;
export type DeltaCall = ServerDuplexStream<DeltaDiscoveryRequest, Uint8Array>;

export interface StreamOptions {
  id: number;
  method: DiscoveryMethod;
  call: SotwCall | DeltaCall;
  cache: SnapshotCache;
  /** Encoded responses shared by every stream of the server. */
  responses: ResponseCache;
  logger: Logger;
  onClosed: (id: number) => void;
  limits: XdsLimits;
  /** Test instrumentation of the planner. */
  planHooks?: PlanHooks;
}

// Enough to log each rejected version once without growing for ever on a flapping client.
const maxLoggedNacksPerType = 64;

const nodeUserAgent = (node: Node | undefined): string => {
  if (!node) return '';
  const version =
    node.userAgentVersionType.case === 'userAgentVersion' ? node.userAgentVersionType.value : '';
  return [node.userAgentName, version].filter((part) => part !== '').join('/');
};

/** Serves one xDS stream until either side ends it. */
export const serveStream = (options: StreamOptions): XdsStream => {
  const { id, method, cache, responses } = options;
  const call = options.call as SotwCall & DeltaCall;
  const variant = method.variant;
  const kind = method.type ? variant : `ads-${variant}`;
  const connectedAt = new Date().toISOString();
  const types = new Map<ResourceType, TypeState>();
  const lastNonces = new Map<ResourceType, string>();
  let logger = options.logger.child({ stream: id, kind });
  let node: Node | undefined;
  let closed = false;
  let blocked = false;
  let flushScheduled = false;

  const readSnapshot = (type: ResourceType) => cache.resources(type);

  const stateOf = (type: ResourceType): TypeState => {
    let state = types.get(type);
    if (!state) types.set(type, (state = newTypeState(type)));
    return state;
  };

  const resolveType = (typeUrl: string): ResourceType | undefined => {
    if (method.type) return typeUrl === '' || typeUrl === typeUrls[method.type] ? method.type : undefined;
    return resourceTypeOfUrl.get(typeUrl);
  };

  const rememberNode = (requestNode: Node | undefined): void => {
    // Some clients send the node only on the first request; keep the first one seen.
    if (node || !requestNode) return;
    node = requestNode;
    logger = logger.child({ node: node.id });
    logger.info({ cluster: node.cluster, userAgent: nodeUserAgent(node) }, 'xDS client connected');
  };

  /** Settles the in-flight response of a type as ACKed or NACKed. */
  const settle = (state: TypeState, errorDetail: Status | undefined): void => {
    const inFlight = state.inFlight;
    if (!inFlight) return;
    state.inFlight = undefined;
    if (!errorDetail) {
      const view = inFlight.view;
      // A view planned as "accepted + a few changes" becomes accepted by applying the changes in place.
      if (isOverlay(view) && view.base === state.acked && state.acked instanceof Map) {
        applyPatch(state.acked as Map<string, ViewItem>, view.patch);
      } else state.acked = view;
      state.ackedDigest = inFlight.digest;
      state.ackedResponse = inFlight.digest;
      state.possiblyApplied = [];
      state.nackedVersionInfo = undefined;
      return;
    }
    // The client stays on what it accepted. The same response is not resent (it would be rejected again);
    // any change makes a new one. Single resources are not blacklisted: a NACK does not say which was bad.
    const versionInfo = versionInfoOf(inFlight.digest);
    state.possiblyApplied.push(inFlight.view);
    state.nackedVersionInfo = versionInfo;
    state.nackCount += 1;
    state.lastNack = {
      versionInfo,
      nonce: inFlight.nonce,
      code: errorDetail.code,
      message: errorDetail.message,
      at: new Date().toISOString(),
    };
    const typeUrl = typeUrls[state.type];
    nackCounter.inc({ type_url: typeUrl });
    if (!state.loggedNacks.has(versionInfo)) {
      if (state.loggedNacks.size >= maxLoggedNacksPerType) state.loggedNacks.clear();
      state.loggedNacks.add(versionInfo);
      logger.warn(
        { typeUrl, version: versionInfo, code: errorDetail.code, error: errorDetail.message },
        'xDS client rejected configuration (NACK)',
      );
    }
  };

  /** Classifies a response nonce: "current" answers our last response of the type, "stale" an older one. */
  const nonceKind = (type: ResourceType, nonce: string): 'none' | 'current' | 'stale' => {
    if (nonce === '') return 'none';
    return lastNonces.get(type) === nonce ? 'current' : 'stale';
  };

  /** The encoded resource_names of this stream's last request of each type. */
  function* knownNames(): Generator<Uint8Array> {
    for (const state of types.values()) if (state.encodedNames) yield state.encodedNames;
  }

  /** Names subscribed on this stream, all types together. */
  const subscribedNames = (): number => {
    let total = 0;
    for (const state of types.values()) total += state.names.size;
    return total;
  };

  /** The refusal of a request naming `count` resources (undefined: more than the limit, not counted). */
  const tooManyNamesInRequest = (typeUrl: string, count?: number): LimitRefusal => {
    const limit = options.limits.maxNamesPerRequest;
    return limitRefusal(
      `a ${typeUrl} request naming ${count ?? `more than ${limit}`} resources`,
      limit,
      'xds-max-names-per-request',
    );
  };

  /** The refusal of this stream if its subscriptions, all types together, pass the per-stream bound. */
  const tooManyNamesOnStream = (): LimitRefusal | undefined => {
    const total = subscribedNames();
    const limit = options.limits.maxNamesPerStream;
    return total > limit
      ? limitRefusal(`${total} resources subscribed on one stream`, limit, 'xds-max-names-per-stream')
      : undefined;
  };

  /** Ends the stream with the refusal's status: the client learns which bound it passed. */
  const refuse = (refusal: LimitRefusal): void => {
    logger.warn({ code: refusal.code, error: refusal.details }, 'xDS stream refused: a limit was passed');
    finish();
    call.emit('error', refusal);
  };

  const onSotwRequest = (bytes: Uint8Array): void => {
    const sotwRequest = decodeSotwRequest(bytes, knownNames());
    const { fields: request, encodedNames } = sotwRequest;
    rememberNode(request.node);
    const type = resolveType(request.typeUrl);
    if (!type) {
      logger.debug({ typeUrl: request.typeUrl }, 'ignoring request for a type this server does not serve');
      return;
    }
    // Counted before they are decoded: a million names are never turned into strings.
    if (hasMoreNamesThan(encodedNames, options.limits.maxNamesPerRequest))
      return refuse(tooManyNamesInRequest(request.typeUrl));
    const state = stateOf(type);
    const nonce = nonceKind(type, request.responseNonce);
    // A stale nonce answers an older response: the client has not seen our newest one yet and will answer
    // it. So it is no ACK or NACK, but its resource_names are still the client's latest wishes.
    if (nonce === 'current' && state.inFlight?.nonce === request.responseNonce)
      settle(state, request.errorDetail);
    // The same encoded names as last time are the same subscription: skip decoding and comparing them.
    if (!state.requested || !sameEncoding(state.encodedNames, encodedNames)) {
      const names = sotwRequest.resourceNames();
      // A request decoded whole (not walkable above) is counted here.
      if (names.length > options.limits.maxNamesPerRequest)
        return refuse(tooManyNamesInRequest(request.typeUrl, names.length));
      if (applySotwNames(state, names)) state.mustRespond = true;
      state.encodedNames = encodedNames.slice();
      const overStream = tooManyNamesOnStream();
      if (overStream) return refuse(overStream);
    }
    scheduleFlush();
  };

  const onDeltaRequest = (request: DeltaDiscoveryRequest): void => {
    rememberNode(request.node);
    const type = resolveType(request.typeUrl);
    if (!type) {
      logger.debug({ typeUrl: request.typeUrl }, 'ignoring request for a type this server does not serve');
      return;
    }
    const state = stateOf(type);
    const nonce = nonceKind(type, request.responseNonce);
    if (nonce === 'current' && state.inFlight?.nonce === request.responseNonce)
      settle(state, request.errorDetail);
    const requestNames =
      request.resourceNamesSubscribe.length +
      request.resourceNamesUnsubscribe.length +
      Object.keys(request.initialResourceVersions).length;
    if (requestNames > options.limits.maxNamesPerRequest)
      return refuse(tooManyNamesInRequest(request.typeUrl, requestNames));
    // Subscription changes count whatever the nonce: delta clients send them independently of ACKs.
    applyDeltaSubscriptions(
      state,
      request.resourceNamesSubscribe,
      request.resourceNamesUnsubscribe,
      request.initialResourceVersions,
      cache.resources(type),
    );
    const overStream = tooManyNamesOnStream();
    if (overStream) return refuse(overStream);
    scheduleFlush();
  };

  const sotwResponse = (state: TypeState, target: View, plan: Plan): Uint8Array | undefined => {
    const digest = plan.digests.get(state.type)!;
    const unchanged = state.ackedResponse !== undefined && sameDigest(digest, state.ackedDigest);
    if (!state.mustRespond && unchanged) return undefined;
    const versionInfo = versionInfoOf(digest);
    if (!state.mustRespond && versionInfo === state.nackedVersionInfo) return undefined;
    const typeUrl = typeUrls[state.type];
    const previous = lastNonces.get(state.type);
    // Listeners and clusters: the whole view, gathered only by the first stream to owe this content (the
    // others reuse its bytes). Named types: what differs from what the client accepted, since leaving a
    // resource out does not remove it (an endpoint change then sends one assignment, not 10,000).
    const { nonce, bytes } = sotwSendsWholeView(state.type)
      ? responses.sotw(typeUrl, versionInfo, target, previous)
      : responses.sotwChanged(typeUrl, versionInfo, changedSinceAccepted(state, target, plan), previous);
    lastNonces.set(state.type, nonce);
    state.inFlight = { nonce, view: target, digest };
    state.mustRespond = false;
    return bytes;
  };

  /** Resources of the target whose version differs from what the client accepted (or that it lacks). */
  const changedSinceAccepted = (state: TypeState, target: View, plan: Plan): CachedResource[] => {
    // The only names whose item may differ from the accepted one; undefined: look at every name.
    const touched = plan.touched.get(state.type);
    const current = state.acked;
    const changed: CachedResource[] = [];
    if (touched) {
      for (const name of touched) {
        const item = target.get(name);
        if (item?.entry && current.get(name)?.version !== item.version) changed.push(item.entry);
      }
    } else {
      for (const [name, item] of target) {
        if (item.entry && (current.get(name)?.version !== item.version || state.forceNames.has(name))) {
          changed.push(item.entry);
        }
      }
    }
    return changed;
  };

  const deltaResponse = (state: TypeState, target: View, plan: Plan): Uint8Array | undefined => {
    const touched = plan.touched.get(state.type);
    const current = state.acked;
    const changed = changedSinceAccepted(state, target, plan);
    const removed: string[] = [];
    if (touched) {
      for (const name of touched) if (!target.has(name) && current.has(name)) removed.push(name);
    } else {
      for (const name of current.keys()) if (!target.has(name)) removed.push(name);
    }
    if (state.forceNames.size > 0) {
      // A name subscribed that does not exist is reported removed, so the client need not wait for it;
      // unless something the client has still refers to it (its replacement is on the way).
      const snapshot = cache.resources(state.type);
      for (const name of state.forceNames) {
        if (
          !target.has(name) &&
          !current.has(name) &&
          !snapshot.has(name) &&
          !heldOf(plan, state.type)?.has(name)
        )
          removed.push(name);
      }
    }
    const nothingNew = changed.length === 0 && removed.length === 0;
    if (
      !state.mustRespond &&
      (nothingNew ||
        (state.nackedVersionInfo !== undefined &&
          versionInfoOf(plan.digests.get(state.type)!) === state.nackedVersionInfo))
    )
      return undefined;
    const typeUrl = typeUrls[state.type];
    const previous = lastNonces.get(state.type);
    const { nonce, bytes } = responses.delta(typeUrl, cache.version(), changed, removed, previous);
    lastNonces.set(state.type, nonce);
    state.inFlight = { nonce, view: target, digest: plan.digests.get(state.type)! };
    state.mustRespond = false;
    for (const resource of changed) state.forceNames.delete(resource.name);
    for (const name of removed) state.forceNames.delete(name);
    return bytes;
  };

  const flush = (): void => {
    flushScheduled = false;
    if (closed || blocked) return;
    const plan = planTargets(types, readSnapshot, variant, options.planHooks);
    for (const type of sendOrder) {
      const state = types.get(type);
      // Blocked: this type keeps its planning state, as if it had not been planned.
      if (!state || !state.requested || state.inFlight || blocked) continue;
      const target = plan.targets.get(type)!;
      const bytes =
        variant === 'sotw' ? sotwResponse(state, target, plan) : deltaResponse(state, target, plan);
      state.planning = plan.next.get(type)!;
      // The transport is full: wait for it to drain, then send whatever is newest by then.
      if (bytes && !call.write(bytes)) blocked = true;
    }
  };

  const scheduleFlush = (): void => {
    if (flushScheduled || closed) return;
    flushScheduled = true;
    setImmediate(() => {
      try {
        flush();
      } catch (error) {
        logger.error({ err: error }, 'xDS stream failed to send; ending it');
        finish();
        // An error event ends the call with this status; destroy() would close it without one, and
        // the client would wait on a dead stream instead of reconnecting.
        call.emit('error', {
          code: grpcStatus.INTERNAL,
          details: error instanceof Error ? error.message : String(error),
        });
      }
    });
  };

  const finish = (): void => {
    if (closed) return;
    closed = true;
    logger.info('xDS stream closed');
    options.onClosed(id);
  };

  call.on('data', (request: Uint8Array | DeltaDiscoveryRequest) => {
    if (closed) return;
    try {
      if (variant === 'sotw') onSotwRequest(request as Uint8Array);
      else onDeltaRequest(request as DeltaDiscoveryRequest);
    } catch (error) {
      // A malformed request must not take the server down; it only costs this request.
      logger.warn({ err: error }, 'xDS request could not be handled');
    }
  });
  call.on('drain', () => {
    blocked = false;
    scheduleFlush();
  });
  call.on('end', () => {
    finish();
    call.end();
  });
  call.on('error', () => finish());
  call.on('close', () => finish());
  call.on('cancelled', () => finish());

  return {
    id,
    info: () => ({
      streamId: id,
      kind,
      method: `/${method.service}/${method.name}`,
      peer: call.getPeer(),
      nodeId: node?.id ?? '',
      nodeCluster: node?.cluster ?? '',
      userAgent: nodeUserAgent(node),
      connectedAt,
      types: sendOrder
        .map((type) => types.get(type))
        .filter((state): state is TypeState => state !== undefined && state.requested)
        .map((state) => ({
          typeUrl: typeUrls[state.type],
          wildcard: isWildcard(state),
          names: [...state.names].sort(),
          ackedVersion: state.ackedResponse ? versionInfoOf(state.ackedResponse) : '',
          pendingNonce: state.inFlight?.nonce,
          ackedResources: Object.fromEntries(
            [...state.acked].map(([name, item]): [string, string] => [name, item.version]).sort(),
          ),
          nackCount: state.nackCount,
          lastNack: state.lastNack,
        })),
    }),
    onSnapshotChange: (change) => {
      if (closed) return;
      let wake = false;
      for (const [type, names] of change.changed) {
        const state = types.get(type);
        if (!state || !state.requested) continue;
        const has = clientView(state);
        // Remember which names to plan: the next response looks at these (and waiting ones) only.
        for (const name of names) {
          if (isSubscribed(state, name) || has.has(name)) {
            state.planning.dirty.add(name);
            wake = true;
          }
        }
      }
      if (wake) scheduleFlush();
    },
    end: () => {
      if (closed) return;
      finish();
      call.end();
    },
  };
};
