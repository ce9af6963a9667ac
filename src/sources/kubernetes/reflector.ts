// A supervised list+watch of one resource in one namespace (client-go's "reflector").
// It never gives up: list errors and watch errors are retried with backoff, a 410 Gone (or a
// watch ERROR event) relists, and a relist turns objects that vanished meanwhile into deletes,
// so changes made while the API server was unreachable still arrive.
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
}

export interface ReflectorTiming {
  /** First retry delay; doubles per failure up to maxBackoffMs. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** Watches are re-opened after a server-side timeout between min and 2×min seconds. */
  minWatchTimeoutSeconds: number;
  /** Page size of list calls. */
  pageSize: number;
}

export const defaultReflectorTiming: ReflectorTiming = {
  initialBackoffMs: 250,
  maxBackoffMs: 15_000,
  minWatchTimeoutSeconds: 300,
  pageSize: 500,
};

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
    for (const key of [...known.keys()]) {
      if (seen.has(key)) continue;
      known.delete(key);
      const slash = key.indexOf('/');
      events.push({
        type: 'delete',
        ref: { kind: target.kind, namespace: key.slice(0, slash), name: key.slice(slash + 1) },
      });
    }
    deliver(events);
    return resourceVersion;
  };

  // Returns the resourceVersion to resume from, or undefined when a relist is needed.
  const watch = async (fromVersion: string): Promise<string | undefined> => {
    let resourceVersion: string | undefined = fromVersion;
    const timeoutSeconds = timing.minWatchTimeoutSeconds * (1 + Math.random());
    await client.watch(
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
        idleTimeoutMs: (timeoutSeconds + 60) * 1000,
        onOpen: () => {
          failures = 0;
          setHealth(true);
        },
      },
    );
    return resourceVersion;
  };

  let resumeFrom: string | undefined;
  while (!signal.aborted) {
    try {
      if (resumeFrom === undefined) {
        resumeFrom = await list();
        failures = 0;
        setHealth(true);
        if (!synced) {
          synced = true;
          callbacks.onSynced();
        }
      }
      resumeFrom = await watch(resumeFrom);
    } catch (error) {
      if (signal.aborted) break;
      if (error instanceof KubeApiError && error.status === 410) {
        resumeFrom = undefined;
        continue;
      }
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
