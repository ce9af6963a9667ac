// A supervised list+watch of one resource in one namespace (client-go's "reflector").
// It never gives up: list errors and watch errors are retried with backoff, a 410 Gone (or a
// watch ERROR event) relists, and a relist turns objects that vanished meanwhile into deletes,
// so changes made while the API server was unreachable still arrive. A kind the API server
// refuses (403) or does not serve (404) is reported, counted as synced and empty, and re-checked:
// it must never hold readiness. A watch that goes silent is checked and, if the server does not
// answer, relisted: a hung API server (or a proxy that stops forwarding) does not freeze the view.
import type { KubeObject } from '../../apis/meta.js';
import type { StoreEvent } from '../../store/store.js';
import type { Logger } from '../../util/logger.js';
import { type KubeClient, KubeApiError, type WatchEvent } from './client.js';
import { collectionPath } from './resources.js';

/** What a reflector lists and watches, already resolved by discovery. */
export interface ReflectorTarget {
  kind: string;
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
  /** '' = all namespaces (or a cluster-scoped kind). */
  namespace: string;
  fieldSelector?: string;
  labelSelector?: string;
  /** Turns a served object into the shape the pipeline reads (e.g. EndpointSlice v1beta1 → v1). */
  convert?: (object: KubeObject) => KubeObject;
}

export interface ReflectorCallbacks {
  /** A batch of changes, in order. */
  onEvents(events: StoreEvent[]): void;
  /** The first list has been delivered (called once). */
  onSynced(): void;
  /** The connection to the API server is working (true) or failing (false). */
  onHealth(healthy: boolean): void;
  /** The kind became unreadable (403/404: reported, then treated as empty), or readable again (undefined). */
  onUnavailable?(unavailable: Unavailability | undefined): void;
}

/** Why the API server does not let a reflector read its kind. */
export interface Unavailability {
  /** 403: the credentials lack the permission; 404: the group, version or resource is not served. */
  reason: 'forbidden' | 'not_found';
  /** The request that was refused. */
  verb: 'list' | 'watch';
  /** The permission that would allow it, e.g. "list ingressclasses.networking.k8s.io (cluster-wide)". */
  permission: string;
  /** The API server's message. */
  message: string;
}

export interface ReflectorTiming {
  /** First retry delay; doubles per failure up to maxBackoffMs. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** Watches are re-opened after a server-side timeout between min and 2×min seconds. */
  minWatchTimeoutSeconds: number;
  /** Page size of list calls. */
  pageSize: number;
  /** How often a kind the API server refused (403/404) is tried again. */
  unavailableRecheckMs: number;
  /**
   * A watch with no byte (event or bookmark) for this long is checked: the API server must answer a
   * one-item list within probeTimeoutMs, then the watch resumes; if it does not, the watch is
   * presumed hung and the kind is relisted.
   */
  watchSilenceMs: number;
  probeTimeoutMs: number;
}

export const defaultReflectorTiming: ReflectorTiming = {
  initialBackoffMs: 250,
  maxBackoffMs: 15_000,
  minWatchTimeoutSeconds: 300,
  pageSize: 500,
  unavailableRecheckMs: 30_000,
  watchSilenceMs: 60_000,
  probeTimeoutMs: 10_000,
};

/** The reason a list or watch error makes a kind unavailable (403, 404), or undefined for other errors. */
export const unavailableReason = (error: unknown): Unavailability['reason'] | undefined => {
  if (!(error instanceof KubeApiError)) return undefined;
  if (error.status === 403) return 'forbidden';
  if (error.status === 404) return 'not_found';
  return undefined;
};

/** The RBAC permission a list or watch of that target needs, in kubectl's resource.group form. */
export const permissionFor = (target: ReflectorTarget, verb: Unavailability['verb']): string => {
  const resource = target.group ? `${target.plural}.${target.group}` : target.plural;
  const scope = target.namespaced && target.namespace ? `in namespace ${target.namespace}` : 'cluster-wide';
  return `${verb} ${resource} (${scope})`;
};

// Thrown when a silent watch's check found the API server not answering.
class WatchHungError extends Error {}

const isWatchSilence = (error: unknown): boolean =>
  error instanceof KubeApiError && error.status === 0 && error.reason === 'Timeout';

interface ObjectList {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: KubeObject[];
}

/** Resolves after ms, or at once when the signal aborts. */
export const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });

/** Exponential backoff with jitter, so replicas do not reconnect in lockstep. */
export const backoffDelay = (attempt: number, timing: ReflectorTiming): number => {
  const ceiling = Math.min(timing.maxBackoffMs, timing.initialBackoffMs * 2 ** Math.min(attempt, 20));
  return ceiling / 2 + (Math.random() * ceiling) / 2;
};

const keyOf = (object: KubeObject): string => `${object.metadata.namespace ?? ''}/${object.metadata.name}`;

/** Runs list+watch until the signal aborts. Never rejects. */
export const runReflector = async (
  client: KubeClient,
  target: ReflectorTarget,
  callbacks: ReflectorCallbacks,
  logger: Logger,
  signal: AbortSignal,
  timing: ReflectorTiming = defaultReflectorTiming,
): Promise<void> => {
  const log = logger.child({ kind: target.kind, namespace: target.namespace || '*' });
  const path = collectionPath(target, target.namespace);
  const apiVersion = target.group ? `${target.group}/${target.version}` : target.version;
  // What we last delivered: key → resourceVersion. A relist diffs against it.
  const known = new Map<string, string>();
  let synced = false;
  let healthy: boolean | undefined;
  let failures = 0;
  // Set while the API server refuses this kind (403/404); cleared by the next successful list.
  let unavailable: Unavailability | undefined;

  const setHealth = (value: boolean): void => {
    if (healthy === value) return;
    healthy = value;
    callbacks.onHealth(value);
  };

  const normalize = (object: KubeObject): KubeObject => {
    // List items carry no apiVersion/kind; watch events do. Make both look alike.
    const typed = { ...object, apiVersion, kind: target.kind };
    return target.convert ? target.convert(typed) : typed;
  };

  const deliver = (events: StoreEvent[]): void => {
    if (events.length === 0 || signal.aborted) return;
    try {
      callbacks.onEvents(events);
    } catch (error) {
      log.error({ err: error }, 'applying Kubernetes events failed');
    }
  };

  const list = async (): Promise<string> => {
    const items: KubeObject[] = [];
    let continueToken: string | undefined;
    let resourceVersion = '';
    do {
      const page = await client.request<ObjectList>({
        method: 'GET',
        path,
        query: {
          limit: timing.pageSize,
          continue: continueToken,
          // As client-go's reflector: the first page at resourceVersion 0 is served from the API
          // server's watch cache (whole, without paging through etcd); the watch that follows
          // delivers anything newer. A server that pages anyway sends a continue token.
          resourceVersion: continueToken === undefined ? '0' : undefined,
          fieldSelector: target.fieldSelector,
          labelSelector: target.labelSelector,
        },
        signal,
      });
      items.push(...(page.items ?? []));
      continueToken = page.metadata?.continue || undefined;
      resourceVersion = page.metadata?.resourceVersion ?? '';
    } while (continueToken);
    if (unavailable) {
      // Readable again: said before the list is delivered, so the build sees the kind as readable.
      log.info({ reason: unavailable.reason }, `${target.kind} can be read again; listing it`);
      unavailable = undefined;
      callbacks.onUnavailable?.(undefined);
    }
    const events: StoreEvent[] = [];
    const seen = new Set<string>();
    for (const raw of items) {
      const object = normalize(raw);
      const key = keyOf(object);
      seen.add(key);
      if (known.get(key) === object.metadata.resourceVersion) continue;
      known.set(key, object.metadata.resourceVersion ?? '');
      events.push({ type: 'upsert', object });
    }
    events.push(...forgetAllBut(seen));
    deliver(events);
    return resourceVersion;
  };

  // Deletes for every delivered object not in `keep` (a relist's survivors; none when unavailable).
  const forgetAllBut = (keep: ReadonlySet<string>): StoreEvent[] => {
    const events: StoreEvent[] = [];
    for (const key of [...known.keys()]) {
      if (keep.has(key)) continue;
      known.delete(key);
      const slash = key.indexOf('/');
      events.push({
        type: 'delete',
        ref: { kind: target.kind, namespace: key.slice(0, slash), name: key.slice(slash + 1) },
      });
    }
    return events;
  };

  // A 403 or 404: reported once, the kind counts as synced and empty, and it is tried again later.
  const becomeUnavailable = async (
    reason: Unavailability['reason'],
    verb: Unavailability['verb'],
    error: unknown,
  ): Promise<void> => {
    const message = error instanceof Error ? error.message : String(error);
    const first = unavailable === undefined;
    unavailable = { reason, verb, permission: permissionFor(target, verb), message };
    if (first) {
      log.error(
        {
          verb,
          reason,
          missingPermission: reason === 'forbidden' ? unavailable.permission : undefined,
          err: message,
          recheckInMs: timing.unavailableRecheckMs,
        },
        reason === 'forbidden'
          ? `cannot ${verb} ${target.kind}: forbidden (missing permission: ${unavailable.permission}); treated as empty until it is granted`
          : `cannot ${verb} ${target.kind}: the API server does not serve it; treated as empty until it does`,
      );
      callbacks.onUnavailable?.(unavailable);
      deliver(forgetAllBut(new Set()));
    }
    failures = 0;
    // The API server answered: this is not a connection problem, and nothing is stale.
    setHealth(true);
    if (!synced) {
      synced = true;
      callbacks.onSynced();
    }
    await sleep(timing.unavailableRecheckMs, signal);
  };

  // A silent watch: the API server must answer a one-item list quickly, else the watch is hung.
  const probe = async (): Promise<void> => {
    try {
      await client.request({
        method: 'GET',
        path,
        query: { limit: 1, fieldSelector: target.fieldSelector, labelSelector: target.labelSelector },
        signal,
        timeoutMs: timing.probeTimeoutMs,
      });
    } catch (error) {
      if (signal.aborted || unavailableReason(error)) throw error;
      throw new WatchHungError(
        `watch silent for ${timing.watchSilenceMs} ms and the API server did not answer a list: ${(error as Error).message}`,
      );
    }
  };

  // Returns the resourceVersion to resume from (undefined when a relist is needed), and whether
  // the watch ended because it went silent.
  const watch = async (fromVersion: string): Promise<{ resumeFrom: string | undefined; silent: boolean }> => {
    let resourceVersion: string | undefined = fromVersion;
    const timeoutSeconds = timing.minWatchTimeoutSeconds * (1 + Math.random());
    const watching = client.watch(
      path,
      {
        resourceVersion: fromVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: Math.floor(timeoutSeconds),
        fieldSelector: target.fieldSelector,
        labelSelector: target.labelSelector,
      },
      (event: WatchEvent) => {
        if (resourceVersion === undefined || signal.aborted) return;
        if (event.type === 'ERROR') {
          const status = event.object as { code?: number; message?: string };
          // 410 Gone: our resourceVersion was compacted away. Anything else: start over too.
          if (status.code !== 410)
            log.warn({ code: status.code, message: status.message }, 'watch error event');
          resourceVersion = undefined;
          return;
        }
        const object = event.object as unknown as KubeObject;
        const version = object.metadata?.resourceVersion;
        if (event.type === 'BOOKMARK') {
          if (version) resourceVersion = version;
          return;
        }
        const typed = normalize(object);
        const key = keyOf(typed);
        if (event.type === 'DELETED') {
          known.delete(key);
          deliver([
            {
              type: 'delete',
              ref: {
                kind: target.kind,
                namespace: typed.metadata.namespace ?? '',
                name: typed.metadata.name,
              },
            },
          ]);
        } else {
          known.set(key, version ?? '');
          deliver([{ type: 'upsert', object: typed }]);
        }
        if (version) resourceVersion = version;
      },
      {
        signal,
        // Bookmarks are asked for, but a 1.20 API server sends them only near the watch's end: a
        // quiet watch is normal, so silence leads to a check (probe), not straight to an error.
        idleTimeoutMs: timing.watchSilenceMs,
        onOpen: () => {
          failures = 0;
          setHealth(true);
        },
      },
    );
    try {
      await watching;
    } catch (error) {
      if (!isWatchSilence(error)) throw error;
      return { resumeFrom: resourceVersion, silent: true };
    }
    return { resumeFrom: resourceVersion, silent: false };
  };

  let resumeFrom: string | undefined;
  let verb: Unavailability['verb'] = 'list';
  while (!signal.aborted) {
    try {
      if (resumeFrom === undefined) {
        verb = 'list';
        resumeFrom = await list();
        failures = 0;
        setHealth(true);
        if (!synced) {
          synced = true;
          callbacks.onSynced();
        }
      }
      verb = 'watch';
      const ended = await watch(resumeFrom);
      resumeFrom = ended.resumeFrom;
      if (ended.silent && !signal.aborted) {
        verb = 'list';
        await probe();
        log.debug('quiet watch; the API server answers; resuming it');
      }
    } catch (error) {
      if (signal.aborted) break;
      if (error instanceof KubeApiError && error.status === 410) {
        resumeFrom = undefined;
        continue;
      }
      const reason = unavailableReason(error);
      if (reason) {
        await becomeUnavailable(reason, verb, error);
        resumeFrom = undefined;
        continue;
      }
      // A hung watch may have lost events on its way: start over from a full list.
      if (error instanceof WatchHungError) resumeFrom = undefined;
      setHealth(false);
      const delay = backoffDelay(failures++, timing);
      log.warn(
        { err: error instanceof Error ? error.message : String(error), retryInMs: Math.round(delay) },
        'list/watch failed; retrying',
      );
      await sleep(delay, signal);
    }
  }
};
