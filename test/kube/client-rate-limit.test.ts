// --kubernetes-client-qps/-burst and --kubernetes-debug against a real kube-apiserver: every request the
// client makes (lists, watches, leader election, status) waits for client-go's token bucket, so the k-th
// request is answered no sooner than (k + 1 - burst) / qps seconds after the client was made; and each
// request is logged with the verbosity. Only lower bounds on time are checked: a slow machine cannot fail them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createKubeClient, loadKubeConfig } from '../../src/sources/kubernetes/client.js';
import { parseServeConfig } from '../../src/cli/config.js';
import { startServe } from '../../src/cli/serve-runner.js';
import { loopbackServeFlags } from '../../scripts/serve-flags.js';
import { startTestCluster, type TestCluster } from '../../scripts/envtest/harness.js';

interface RequestLine {
  time: number;
  msg: string;
  verbosity?: number;
  method?: string;
  path?: string;
  status?: number;
}

/** A logger writing JSON lines into an array. */
const capturingLogger = () => {
  const lines: RequestLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as RequestLine);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
};

/** Checks that the answers (sorted times, ms after the client was made) respect the token bucket. */
const assertUnderLimit = (offsetsMs: number[], qps: number, burst: number): void => {
  const sorted = [...offsetsMs].sort((a, b) => a - b);
  sorted.forEach((offset, k) => {
    const earliest = ((k + 1 - burst) * 1000) / qps;
    // 2 ms for timer rounding between the clock the limiter reads and the one the test reads.
    assert.ok(offset >= earliest - 2, `request ${k + 1} answered at ${offset} ms, before ${earliest} ms`);
  });
};

describe('Kubernetes client rate limit and request log (envtest)', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startTestCluster();
  });
  after(async () => {
    await cluster?.stop();
  });

  it('paces concurrent requests to qps after the burst, and logs each one', async () => {
    const { logger, lines } = capturingLogger();
    const qps = 20;
    const burst = 4;
    const made = performance.now();
    const client = createKubeClient(loadKubeConfig({ kubeconfig: cluster.kubeconfig }), {
      rateLimit: { qps, burst },
      requestLog: { logger: logger.child({}, { level: 'debug' }), verbosity: 6 },
    });
    const answeredAt = await Promise.all(
      Array.from({ length: 16 }, async () => {
        await client.request({ method: 'GET', path: '/api/v1/namespaces', query: { limit: 1 } });
        return performance.now() - made;
      }),
    );
    assertUnderLimit(answeredAt, qps, burst);
    // 16 requests at 20 qps with a burst of 4: the last cannot be answered before 600 ms.
    assert.ok(Math.max(...answeredAt) >= 598);
    const logged = lines.filter((line) => line.msg === 'Kubernetes API request');
    assert.equal(logged.length, 16);
    for (const line of logged) {
      assert.deepEqual(
        [line.verbosity, line.method, line.path, line.status],
        [6, 'GET', '/api/v1/namespaces?limit=1', 200],
      );
    }
  });

  it('contour serve: every request of start-up (lists, watches, lease) is under the limit and logged', async () => {
    const { logger, lines } = capturingLogger();
    const config = parseServeConfig(
      {
        kubeconfig: cluster.kubeconfig,
        incluster: false,
        ...loopbackServeFlags,
        holdoffDelay: '0s',
        holdoffMaxDelay: '0s',
        leaderElectionResourceNamespace: 'default',
        envoyServiceNamespace: 'default',
        kubernetesClientQps: '10',
        kubernetesClientBurst: '3',
        kubernetesDebug: '4',
        logFormat: 'json',
      },
      { POD_NAME: 'rate-limited' },
    );
    const made = Date.now();
    const running = await startServe(config, logger);
    try {
      await running.serving;
      const logged = () => lines.filter((line) => line.msg === 'Kubernetes API request');
      // Leader election's Lease request comes after start-up; wait for it (bounded by the test's time limit).
      while (!logged().some((line) => line.path?.includes('/leases')))
        await new Promise((r) => setTimeout(r, 50));
      const requests = logged();
      assert.ok(requests.length > 3, `more requests than the burst (${requests.length})`);
      assertUnderLimit(
        requests.map((line) => line.time - made),
        10,
        3,
      );
      assert.ok(requests.every((line) => line.verbosity === 4 && line.method && line.path));
      // Below verbosity 6 the query is left out.
      assert.ok(requests.every((line) => !line.path?.includes('?')));
      assert.ok(
        requests.some((line) => line.path === '/api/v1/secrets'),
        JSON.stringify(requests.map((line) => line.path)),
      );
    } finally {
      await running.stop();
    }
  });
});
