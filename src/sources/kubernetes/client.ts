// A small Kubernetes REST client: requests and watch streams over node:https, with the
// credentials of a kubeconfig (or the in-cluster service account) from @kubernetes/client-node.
// We own the HTTP layer because the library's informer and typed clients hide the status codes,
// resourceVersions and watch errors that supervision, leader election and status writes depend on.
import http from 'node:http';
import https from 'node:https';
import { createInterface } from 'node:readline';
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../../util/logger.js';
import { createTokenBucket, realLimiterClock, type LimiterClock } from '../../util/token-bucket.js';

/** An error the API server answered with (or a transport failure, status 0). */
export class KubeApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly reason: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/** Whether an error is an API answer with that HTTP status. */
export const isApiStatus = (error: unknown, status: number): boolean =>
  error instanceof KubeApiError && error.status === status;

export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Required for PATCH: the patch flavour (merge patch, JSON patch, apply). */
  contentType?: string;
  signal?: AbortSignal;
  /** Milliseconds before the request is abandoned (default 30 s). */
  timeoutMs?: number;
}

/** One event of a watch stream, as the API server sends it. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Record<string, unknown>;
}

export interface WatchOptions {
  signal: AbortSignal;
  /** The watch ends (rejecting with reason 'Timeout', status 0) after this long without a byte (bookmarks included). */
  idleTimeoutMs: number;
  /** Called once the server accepted the watch (HTTP 200). */
  onOpen?: () => void;
}

export interface KubeClient {
  /** The API server's URL. */
  readonly server: string;
  /** Sends one request; resolves with the decoded JSON body, rejects with KubeApiError. */
  request<T = unknown>(request: KubeRequest): Promise<T>;
  /**
   * Opens a watch and calls onEvent per event until the stream ends, the signal aborts, or the
   * server goes quiet for idleTimeoutMs. Resolves when the stream ends; rejects on HTTP errors.
   */
  watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    onEvent: (event: WatchEvent) => void,
    options: WatchOptions,
  ): Promise<void>;
}

export interface KubeConfigOptions {
  /** Path to a kubeconfig; empty = $KUBECONFIG, else in-cluster, else ~/.kube/config. */
  kubeconfig?: string;
  /** Force the in-cluster service-account config. */
  inCluster?: boolean;
}

/** Loads client credentials the way Contour does: --kubeconfig, else in-cluster, else defaults. */
export const loadKubeConfig = (options: KubeConfigOptions): KubeConfig => {
  const config = new KubeConfig();
  if (options.inCluster) config.loadFromCluster();
  else if (options.kubeconfig) config.loadFromFile(options.kubeconfig);
  else config.loadFromDefault();
  if (!config.getCurrentCluster()) throw new Error('kubeconfig has no current cluster');
  return config;
};

const buildUrl = (server: string, path: string, query: KubeRequest['query']): URL => {
  const url = new URL(server.replace(/\/+$/, '') + path);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  return url;
};

const errorFromBody = (status: number, text: string): KubeApiError => {
  try {
    const parsed = JSON.parse(text) as { message?: string; reason?: string };
    return new KubeApiError(parsed.message ?? `HTTP ${status}`, status, parsed.reason ?? '');
  } catch {
    return new KubeApiError(`HTTP ${status}: ${text.slice(0, 200)}`, status, '');
  }
};

/** How the client paces and logs its requests (Contour's --kubernetes-client-qps/-burst, --kubernetes-debug). */
export interface KubeClientOptions {
  /**
   * Client-side rate limit on every request and watch opened, as client-go's token bucket. Absent, or both
   * 0: unlimited. One of them 0: client-go's default for it (5 qps, burst 10).
   */
  rateLimit?: { qps: number; burst: number };
  /** Log each request (method, path, status, duration) at debug level, with this verbosity; 0: none. */
  requestLog?: { logger: Logger; verbosity: number };
  /** The limiter's clock (tests). */
  clock?: LimiterClock;
}

// client-go's rest.Config defaults, used when only one of QPS and burst is set.
const clientGoDefaultQps = 5;
const clientGoDefaultBurst = 10;

/** Creates a client bound to a loaded kubeconfig. */
export const createKubeClient = (config: KubeConfig, clientOptions: KubeClientOptions = {}): KubeClient => {
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const server = cluster.server;
  const secure = server.startsWith('https:');
  // One keep-alive agent per client: watches and requests share TLS sessions.
  const agentOptions: https.AgentOptions = { keepAlive: true, maxSockets: 64 };
  let agent: http.Agent | undefined;
  const { rateLimit, requestLog } = clientOptions;
  const clock = clientOptions.clock ?? realLimiterClock;
  const limiter =
    rateLimit && (rateLimit.qps > 0 || rateLimit.burst > 0)
      ? createTokenBucket(
          { qps: rateLimit.qps || clientGoDefaultQps, burst: rateLimit.burst || clientGoDefaultBurst },
          clock,
        )
      : undefined;
  const log = requestLog && requestLog.verbosity > 0 ? requestLog : undefined;
  // One line per request once it has an answer (a watch: once the server accepted or refused it).
  const logged = (method: string, url: URL, clientRequest: http.ClientRequest): http.ClientRequest => {
    if (!log) return clientRequest;
    const started = clock.now();
    const line = (fields: Record<string, unknown>): void =>
      log.logger.debug(
        {
          verbosity: log.verbosity,
          method,
          path: log.verbosity >= 6 ? url.pathname + url.search : url.pathname,
          ms: Math.round(clock.now() - started),
          ...fields,
        },
        'Kubernetes API request',
      );
    clientRequest.once('response', (response) => line({ status: response.statusCode }));
    clientRequest.once('error', (error) => line({ error: error.message }));
    return clientRequest;
  };

  const open = async (
    method: string,
    url: URL,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<http.ClientRequest> => {
    // Every request and watch waits its turn, as client-go's rate limiter before it sends.
    if (limiter) {
      try {
        await limiter.acquire(signal);
      } catch (error) {
        throw new KubeApiError(`request not sent: ${(error as Error).message}`, 0, 'Transport');
      }
    }
    const options: https.RequestOptions = { method, headers: { ...headers } };
    // Applied per request so rotated in-cluster tokens are picked up.
    await config.applyToHTTPSOptions(options);
    if (!agent) {
      agent = secure
        ? new https.Agent({
            ...agentOptions,
            ca: options.ca,
            cert: options.cert,
            key: options.key,
            rejectUnauthorized: options.rejectUnauthorized,
            servername: options.servername,
          })
        : new http.Agent(agentOptions);
    }
    const requestOptions: https.RequestOptions = {
      method,
      headers: options.headers,
      agent,
      signal,
      auth: options.auth,
    };
    return logged(
      method,
      url,
      secure ? https.request(url, requestOptions) : http.request(url, requestOptions),
    );
  };

  const request = async <T>(req: KubeRequest): Promise<T> => {
    const url = buildUrl(server, req.path, req.query);
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = req.contentType ?? 'application/json';
    const timeout = AbortSignal.timeout(req.timeoutMs ?? 30_000);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    const clientRequest = await open(req.method, url, headers, signal);
    return new Promise<T>((resolve, reject) => {
      clientRequest.on('error', (error) => reject(new KubeApiError(error.message, 0, 'Transport')));
      clientRequest.on('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error) => reject(new KubeApiError(error.message, 0, 'Transport')));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = response.statusCode ?? 0;
          if (status < 200 || status >= 300) return reject(errorFromBody(status, text));
          try {
            resolve((text ? JSON.parse(text) : undefined) as T);
          } catch {
            reject(new KubeApiError('response is not JSON', status, 'BadResponse'));
          }
        });
      });
      clientRequest.end(body);
    });
  };

  const watch: KubeClient['watch'] = async (path, query, onEvent, options) => {
    const url = buildUrl(server, path, { ...query, watch: true });
    const idle = new AbortController();
    const signal = AbortSignal.any([options.signal, idle.signal]);
    // Stopped while waiting for the rate limiter: the watch ends as a stopped one does.
    const clientRequest = await open('GET', url, { Accept: 'application/json' }, signal).catch(
      (error: unknown) => {
        if (options.signal.aborted) return undefined;
        throw error;
      },
    );
    if (!clientRequest) return;
    let timer: NodeJS.Timeout | undefined;
    const touch = (): void => {
      clearTimeout(timer);
      // A watch with no traffic (not even bookmarks) for this long is presumed dead.
      timer = setTimeout(() => idle.abort(new Error('watch idle timeout')), options.idleTimeoutMs);
      timer.unref();
    };
    touch();
    try {
      await new Promise<void>((resolve, reject) => {
        const transportError = (error: Error): void => {
          if (options.signal.aborted) return resolve();
          // Silence (before or after the response began) is its own outcome: callers check, not retry.
          if (idle.signal.aborted) return reject(new KubeApiError('watch idle timeout', 0, 'Timeout'));
          reject(new KubeApiError(error.message, 0, 'Transport'));
        };
        clientRequest.on('error', transportError);
        clientRequest.on('response', (response) => {
          const status = response.statusCode ?? 0;
          if (status !== 200) {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => reject(errorFromBody(status, Buffer.concat(chunks).toString('utf8'))));
            response.on('error', transportError);
            return;
          }
          options.onOpen?.();
          response.on('data', touch);
          response.on('error', transportError);
          const lines = createInterface({ input: response, crlfDelay: Infinity });
          // readline re-emits input errors (e.g. "aborted" on stop); without a listener they throw.
          lines.on('error', transportError);
          lines.on('line', (line) => {
            if (!line.trim()) return;
            let event: WatchEvent;
            try {
              event = JSON.parse(line) as WatchEvent;
            } catch {
              return reject(new KubeApiError('watch sent a line that is not JSON', 0, 'BadResponse'));
            }
            onEvent(event);
          });
          lines.on('close', () => {
            if (idle.signal.aborted && !options.signal.aborted) {
              reject(new KubeApiError('watch idle timeout', 0, 'Timeout'));
            } else resolve();
          });
        });
        clientRequest.end();
      });
    } finally {
      clearTimeout(timer);
      clientRequest.destroy();
    }
  };

  return { server, request, watch };
};
