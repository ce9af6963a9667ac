// `contour serve --manifests` as a real process: /debug/dag as Graphviz DOT (JSON on request),
// CPU profile and heap snapshot on the debug listener, and Contour's metrics on /metrics after
// builds with valid, invalid and orphaned HTTPProxies.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dagToDot } from '../../src/lifecycle/dag-dot.js';
import type { Dag } from '../../src/dag/types.js';
import { freePort, standaloneServeArgs, startContour, type ContourProcess } from '../helpers/process.js';
import { waitFor } from '../helpers/wait.js';

const quickstart = fileURLToPath(new URL('../../examples/quickstart', import.meta.url));
// Start-up on a loaded 2-core machine can be slow; these bound waits, they assert nothing.
const startTimeout = 90_000;

const proxy = (name: string, spec: Record<string, unknown>): string =>
  JSON.stringify({
    apiVersion: 'projectcontour.io/v1',
    kind: 'HTTPProxy',
    metadata: { name, namespace: 'default' },
    spec,
  });

// Beside the quickstart (www and secure, both valid): a root with an included child, two roots
// fighting over one fqdn (both invalid), and a proxy nobody includes (orphaned).
const extraProxies = (includeLonely: boolean): string =>
  [
    proxy('blog', {
      virtualhost: { fqdn: 'blog.example.com' },
      includes: [
        { name: 'blog-child' },
        ...(includeLonely ? [{ name: 'lonely', conditions: [{ prefix: '/lonely' }] }] : []),
      ],
    }),
    proxy('blog-child', { routes: [{ services: [{ name: 'echo', port: 80 }] }] }),
    proxy('dup-a', {
      virtualhost: { fqdn: 'dup.example.com' },
      routes: [{ services: [{ name: 'echo', port: 80 }] }],
    }),
    proxy('dup-b', {
      virtualhost: { fqdn: 'dup.example.com' },
      routes: [{ services: [{ name: 'echo', port: 80 }] }],
    }),
    proxy('lonely', { routes: [{ services: [{ name: 'echo', port: 80 }] }] }),
  ].join('\n---\n');

describe('DAG as DOT', () => {
  it('names hosts, routes, clusters, services and secrets, never key material, escaping record syntax', () => {
    const dag: Dag = {
      httpVirtualHosts: [],
      httpsVirtualHosts: [
        {
          fqdn: 'a.example.com',
          source: { kind: 'HTTPProxy', namespace: 'ns', name: 'a' },
          secret: 'ns/tls/abc',
          fallbackSecret: 'projectcontour/fallback/def',
          minTlsVersion: '1.2',
          maxTlsVersion: '1.3',
          routes: [
            {
              match: { path: { kind: 'regex', value: '/(a|b){2}' }, headers: [], queryParams: [] },
              action: { kind: 'cluster', clusters: [{ cluster: 'ns/svc/80/abc', weight: 1 }] },
              httpsRedirect: false,
              websocket: false,
              mirrors: [],
              source: { kind: 'HTTPProxy', namespace: 'ns', name: 'a' },
            },
          ],
        },
      ],
      clusters: [
        {
          name: 'ns/svc/80/abc',
          edsName: 'ns/svc/http',
          service: { namespace: 'ns', name: 'svc', port: 80 },
        },
      ],
      secrets: [
        {
          name: 'ns/tls/abc',
          source: { namespace: 'ns', name: 'tls' },
          certificateChain: 'CERTIFICATE-PEM',
          privateKey: 'PRIVATE-KEY-PEM',
        },
        {
          name: 'projectcontour/fallback/def',
          source: { namespace: 'projectcontour', name: 'fallback' },
          certificateChain: 'CERTIFICATE-PEM',
          privateKey: 'PRIVATE-KEY-PEM',
        },
      ],
    };
    const dot = dagToDot(dag);
    assert.ok(dot.startsWith('digraph DAG {\nrankdir="LR"\n'));
    assert.ok(dot.endsWith('}\n'));
    assert.match(dot, /"listener\/ingress_https" -> "https\/a.example.com"/);
    assert.match(
      dot,
      /label="\{regex: \/\(a\\\\\|b\)\\\\\{2\\\\\}\}"/,
      'the regex is escaped inside the record',
    );
    assert.match(dot, /"cluster\/ns\/svc\/80\/abc" -> "service\/ns\/svc\/80"/);
    assert.match(dot, /label="\{secret\|ns\/tls\}"/);
    assert.match(
      dot,
      /"https\/a.example.com" -> "secret\/projectcontour\/fallback\/def" \[label="fallback"\]/,
    );
    assert.doesNotMatch(dot, /PEM/);
  });
});

describe('contour serve: /debug/dag, /debug/pprof, Contour metrics', () => {
  let dir: string;
  let serve: ContourProcess;
  let health: number;
  let debug: number;

  const metric = async (name: string): Promise<string[]> => {
    const text = await (await fetch(`http://127.0.0.1:${health}/metrics`)).text();
    return text
      .split('\n')
      .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      .sort();
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'contour-debug-'));
    await cp(quickstart, dir, { recursive: true });
    await writeFile(join(dir, 'extra.yaml'), extraProxies(false));
    [health, debug] = await Promise.all([freePort(), freePort()]);
    // Short HTTP timeouts: a CPU profile longer than them must still be answered.
    serve = startContour(
      standaloneServeArgs(dir, { health, debug, xds: 0 }, [
        '--http-headers-timeout',
        '1s',
        '--http-request-timeout',
        '1s',
      ]),
    );
    await waitFor(
      'serving',
      async () => (await fetch(`http://127.0.0.1:${health}/readyz`).catch(() => undefined))?.status === 200,
      startTimeout,
    );
  });
  after(async () => {
    await serve?.stop('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('/debug/dag answers DOT naming the proxies and clusters, and no key', async () => {
    const response = await fetch(`http://127.0.0.1:${debug}/debug/dag`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/vnd\.graphviz/);
    const dot = await response.text();
    assert.ok(dot.startsWith('digraph DAG {'), dot.slice(0, 100));
    for (const host of ['http/www.example.com', 'https/secure.example.com', 'http/blog.example.com'])
      assert.ok(dot.includes(`"${host}"`), host);
    assert.match(dot, /"cluster\/default\/echo\/80\/[0-9a-f]+"/);
    assert.match(dot, /label="\{secret\|default\/secure-tls\}"/);
    assert.doesNotMatch(dot, /PRIVATE KEY|BEGIN/);
  });

  it('/debug/dag answers JSON for ?format=json and Accept: application/json, and refuses other formats', async () => {
    for (const init of [{ url: '?format=json' }, { url: '', headers: { accept: 'application/json' } }]) {
      const response = await fetch(`http://127.0.0.1:${debug}/debug/dag${init.url}`, {
        headers: init.headers,
      });
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      const dag = (await response.json()) as Dag;
      assert.ok(dag.httpVirtualHosts.some((host) => host.fqdn === 'blog.example.com'));
    }
    const bad = await fetch(`http://127.0.0.1:${debug}/debug/dag?format=png`);
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /format/);
  });

  it("exports Contour's HTTPProxy, rebuild and build-info metrics, following edits", async () => {
    assert.deepEqual(await metric('contour_httpproxy'), ['contour_httpproxy{namespace="default"} 7']);
    assert.deepEqual(await metric('contour_httpproxy_root'), [
      'contour_httpproxy_root{namespace="default"} 5',
    ]);
    assert.deepEqual(await metric('contour_httpproxy_invalid'), [
      'contour_httpproxy_invalid{namespace="default",vhost="dup.example.com"} 2',
    ]);
    assert.deepEqual(await metric('contour_httpproxy_orphaned'), [
      'contour_httpproxy_orphaned{namespace="default"} 1',
    ]);
    assert.deepEqual(await metric('contour_httpproxy_valid'), [
      'contour_httpproxy_valid{namespace="default",vhost=""} 1',
      'contour_httpproxy_valid{namespace="default",vhost="blog.example.com"} 1',
      'contour_httpproxy_valid{namespace="default",vhost="secure.example.com"} 1',
      'contour_httpproxy_valid{namespace="default",vhost="www.example.com"} 1',
    ]);
    assert.equal((await metric('contour_build_info')).length, 1);
    const rebuilds = async () => Number((await metric('contour_dagrebuild_total'))[0]?.split(' ')[1]);
    const before = await rebuilds();
    assert.ok(before >= 1);

    // Including the orphan makes it valid: the orphaned series goes away, the rebuild is counted.
    await writeFile(join(dir, 'extra.yaml'), extraProxies(true));
    await waitFor(
      'the orphan included',
      async () => (await metric('contour_httpproxy_orphaned')).length === 0,
    );
    assert.ok((await rebuilds()) > before);
    assert.ok(
      (await metric('contour_httpproxy_valid')).includes(
        'contour_httpproxy_valid{namespace="default",vhost=""} 2',
      ),
    );
  });

  it('/debug/pprof/profile takes one CPU profile at a time, for a bounded number of seconds', async () => {
    const tooLong = await fetch(`http://127.0.0.1:${debug}/debug/pprof/profile?seconds=100000`);
    assert.equal(tooLong.status, 400);
    assert.match(await tooLong.text(), /seconds/);
    // Longer than --http-request-timeout (1s): the connection stays open for the profile.
    const first = fetch(`http://127.0.0.1:${debug}/debug/pprof/profile?seconds=3`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = await fetch(`http://127.0.0.1:${debug}/debug/pprof/profile?seconds=3`);
    assert.equal(second.status, 409);
    const response = await first;
    assert.equal(response.status, 200);
    const profile = (await response.json()) as {
      nodes: { callFrame: { functionName: string } }[];
      startTime: number;
      endTime: number;
    };
    assert.ok(profile.nodes.length > 0);
    assert.ok(profile.endTime > profile.startTime);
  });

  it('/debug/pprof/heap streams a V8 heap snapshot', async () => {
    const response = await fetch(`http://127.0.0.1:${debug}/debug/pprof/heap`);
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    let head = '';
    while (head.length < 20) {
      const { value, done } = await reader.read();
      if (done) break;
      head += Buffer.from(value).toString('utf8');
    }
    await reader.cancel();
    assert.ok(head.startsWith('{"snapshot":{'), head.slice(0, 40));
    // A cancelled download frees the profiler for the next request.
    const next = await waitFor('the profiler free again', async () => {
      const again = await fetch(`http://127.0.0.1:${debug}/debug/pprof/profile?seconds=1`);
      return again.status === 200 ? again : undefined;
    });
    assert.ok(((await next.json()) as { nodes: unknown[] }).nodes.length > 0);
  });
});
