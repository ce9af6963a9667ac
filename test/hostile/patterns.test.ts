// Issue 13, item 1: every check of user input against a pattern runs in linear time. Each case below
// took seconds to forever on JavaScript's backtracking engine; each runs in a worker with a deadline
// so that a regression fails the test instead of hanging the suite.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { callWithDeadline } from '../helpers/deadline.js';
import { httpProxySpecSchema } from '../../src/apis/httpproxy.js';
import { buildFromYaml, rootProxyYaml } from '../dag/fixtures.js';

const deadlineMs = 10_000;
const fixtures = new URL('./patterns-fixtures.ts', import.meta.url);

describe('patterns over user input are linear', () => {
  it('refuses a hostile duration (`ms` × 40 then `!`) without backtracking', async () => {
    const accepted = await callWithDeadline<boolean>(
      fixtures,
      'proxySpecAccepted',
      [{ routes: [{ timeoutPolicy: { response: `${'ms'.repeat(40)}!` } }] }],
      deadlineMs,
    );
    assert.equal(accepted, false);
  });

  it('still accepts and refuses the durations Contour does', () => {
    const accepts = (response: string): boolean =>
      httpProxySpecSchema.safeParse({ routes: [{ timeoutPolicy: { response } }] }).success;
    for (const good of ['1s', '1m30s', '1.5h', '100ms', 'infinity', '10us', '3µs'])
      assert.ok(accepts(good), good);
    for (const bad of ['1x', 's1', '1s ', '', '-1s']) assert.ok(!accepts(bad), bad);
  });

  it('trims a path of 400,000 slashes (Ingress Prefix) in linear time', async () => {
    const match = await callWithDeadline<{ match?: { value: string } }>(
      fixtures,
      'ingressPrefix',
      [`${'/'.repeat(400_000)}x${'/'.repeat(400_000)}`],
      deadlineMs,
    );
    assert.equal(match.match?.value.length, 400_001);
  });

  it('trims a prefix rewrite of 400,000 slashes (HTTPProxy) in linear time', async () => {
    const rewrites = await callWithDeadline<string[]>(
      fixtures,
      'proxyPrefixRewrites',
      [`/x${'/'.repeat(400_000)}y${'/'.repeat(400_000)}`],
      deadlineMs,
    );
    assert.deepEqual(
      rewrites.map((rewrite) => rewrite.length),
      [400_003, 400_004],
    );
  });

  it('refuses a regex longer than --max-regex-length on the route, naming the limit', () => {
    const yaml = (regex: string): string =>
      rootProxyYaml(`  routes:
  - conditions: [{regex: '/${regex}'}]
    services: [{name: web, port: 80}]
  - conditions: [{header: {name: x-a, regex: '${regex}'}}]
    services: [{name: web, port: 80}]
`);
    const refused = buildFromYaml(yaml('a'.repeat(20)), { limits: { maxRegexLength: 16 } });
    const errors = JSON.stringify(refused.statuses.find((status) => status.name === 'root')?.conditions);
    assert.match(
      errors,
      /supplied regex invalid: regex is 21 characters long, more than the limit of 16 \(--max-regex-length\)/,
    );
    assert.match(errors, /'regex' condition: regex is 20 characters long, more than the limit of 16/);
    const accepted = buildFromYaml(yaml('a'.repeat(14)), { limits: { maxRegexLength: 16 } });
    assert.equal(accepted.statuses.find((status) => status.name === 'root')?.currentStatus, 'valid');
  });
});
