// The Kubernetes client's rate limiter (--kubernetes-client-qps/-burst): client-go's token bucket, on a
// clock the test moves by hand, so every wait is exact and no test depends on real time.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTokenBucket, type LimiterClock } from '../../src/util/token-bucket.js';

/** A clock that only moves when told to; sleepers wake when their time has come. */
const manualClock = () => {
  let now = 0;
  const sleepers: { until: number; wake: () => void; fail: (error: unknown) => void }[] = [];
  const clock: LimiterClock = {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        const sleeper = { until: now + ms, wake: resolve, fail: reject };
        sleepers.push(sleeper);
        signal?.addEventListener('abort', () => {
          sleepers.splice(sleepers.indexOf(sleeper), 1);
          reject(signal.reason as Error);
        });
      }),
  };
  return {
    clock,
    /** Moves time on and lets the promises that woke settle. */
    advance: async (ms: number) => {
      now += ms;
      for (const sleeper of sleepers.filter((s) => s.until <= now)) {
        sleepers.splice(sleepers.indexOf(sleeper), 1);
        sleeper.wake();
      }
      for (let turn = 0; turn < 5; turn++) await Promise.resolve();
    },
    sleeping: () => sleepers.map((s) => s.until - now),
  };
};

/** Starts `n` acquisitions and records when (on the manual clock) each one was granted. */
const start = (bucket: ReturnType<typeof createTokenBucket>, clock: LimiterClock, n: number) => {
  const grantedAt: (number | undefined)[] = Array.from({ length: n }, () => undefined);
  const done = Array.from({ length: n }, (_, index) =>
    bucket.acquire().then(() => {
      grantedAt[index] = clock.now();
    }),
  );
  return { grantedAt, done };
};

describe('token bucket rate limiter', () => {
  it('grants the burst at once, then one request per 1/qps seconds, in order', async () => {
    const time = manualClock();
    const bucket = createTokenBucket({ qps: 5, burst: 3 }, time.clock);
    const { grantedAt, done } = start(bucket, time.clock, 6);
    await time.advance(0);
    assert.deepEqual(grantedAt, [0, 0, 0, undefined, undefined, undefined]);
    // 5 qps: a token every 200 ms; the waiting requests were given 200, 400 and 600 ms.
    assert.deepEqual(time.sleeping(), [200, 400, 600]);
    await time.advance(199);
    assert.equal(grantedAt[3], undefined, 'not a millisecond early');
    await time.advance(1);
    assert.equal(grantedAt[3], 200);
    await time.advance(200);
    await time.advance(200);
    await Promise.all(done);
    assert.deepEqual(grantedAt, [0, 0, 0, 200, 400, 600]);
  });

  it('refills while idle, never beyond the burst', async () => {
    const time = manualClock();
    const bucket = createTokenBucket({ qps: 10, burst: 2 }, time.clock);
    await Promise.all(start(bucket, time.clock, 2).done);
    assert.equal(bucket.delayMs(), 100);
    await time.advance(10_000);
    // A long idle time gives back the burst (2), not 100 tokens.
    const { grantedAt } = start(bucket, time.clock, 3);
    await time.advance(0);
    assert.deepEqual(grantedAt, [10_000, 10_000, undefined]);
    assert.deepEqual(time.sleeping(), [100]);
  });

  it('over any window, grants at most burst + qps × seconds', async () => {
    const time = manualClock();
    const bucket = createTokenBucket({ qps: 4, burst: 2 }, time.clock);
    const { grantedAt } = start(bucket, time.clock, 40);
    for (let step = 0; step < 100; step++) await time.advance(50);
    // After 5 s: 2 + 4 × 5 = 22 granted, no more.
    assert.equal(grantedAt.filter((at) => at !== undefined).length, 22);
  });

  it('a caller that gives up returns its token to those behind it', async () => {
    const time = manualClock();
    const bucket = createTokenBucket({ qps: 1, burst: 1 }, time.clock);
    await bucket.acquire();
    const abandon = new AbortController();
    const abandoned = bucket.acquire(abandon.signal);
    abandon.abort(new Error('stopping'));
    await assert.rejects(abandoned, /stopping/);
    const { grantedAt } = start(bucket, time.clock, 1);
    await time.advance(1000);
    assert.deepEqual(grantedAt, [1000], 'the next caller waits one interval, not two');
    await assert.rejects(bucket.acquire(AbortSignal.abort(new Error('already'))), /already/);
  });

  it('refuses limits that allow nothing', () => {
    assert.throws(() => createTokenBucket({ qps: 0, burst: 1 }), /qps > 0/);
    assert.throws(() => createTokenBucket({ qps: 1, burst: 0 }), /burst >= 1/);
  });
});
