// A token bucket rate limiter, as client-go's (flowcontrol.NewTokenBucketRateLimiter over
// golang.org/x/time/rate): `burst` tokens to start with, refilled at `qps` a second; each call takes one,
// and a caller finding none waits its turn. Waiting callers queue (tokens may go below zero), so each one's
// wait is fixed when it asks, in the order they ask. The clock is injected so tests need no real time.

/** Time as the limiter sees it. */
export interface LimiterClock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason once it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The process's monotonic clock and timers. */
export const realLimiterClock: LimiterClock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason as Error);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

export interface TokenBucket {
  /** Takes a token, waiting until one is due; rejects (and returns the token) when the signal aborts first. */
  acquire(signal?: AbortSignal): Promise<void>;
  /** The milliseconds a call made now would wait (0 when a token is there). */
  delayMs(): number;
}

/** A bucket allowing `qps` requests a second on average and `burst` at once. */
export const createTokenBucket = (
  limits: { qps: number; burst: number },
  clock: LimiterClock = realLimiterClock,
): TokenBucket => {
  const { qps, burst } = limits;
  if (!(qps > 0) || !(burst >= 1)) throw new Error(`a token bucket needs qps > 0 and burst >= 1`);
  let tokens = burst;
  let last = clock.now();
  const refill = (): void => {
    const now = clock.now();
    tokens = Math.min(burst, tokens + ((now - last) * qps) / 1000);
    last = now;
  };
  return {
    delayMs: () => {
      refill();
      return tokens >= 1 ? 0 : ((1 - tokens) * 1000) / qps;
    },
    acquire: async (signal) => {
      signal?.throwIfAborted();
      refill();
      tokens -= 1;
      if (tokens >= 0) return;
      try {
        await clock.sleep((-tokens * 1000) / qps, signal);
      } catch (error) {
        // The caller gave up: its token goes back to the queue behind it.
        tokens += 1;
        throw error;
      }
    },
  };
};
