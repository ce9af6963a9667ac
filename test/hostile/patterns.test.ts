// Issue 13, item 1: every check of user input against a pattern runs in linear time. Each case below
// took seconds to forever on JavaScript's backtracking engine; each runs in a worker with a deadline
// so that a regression fails the test instead of hanging the suite.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { callWithDeadline } from '../helpers/deadline.js';
import { httpProxySpecSchema } from '../../src/apis/httpproxy.js';

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
});
