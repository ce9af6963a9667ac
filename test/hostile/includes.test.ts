// Issue 13, items 4 and 5: a 4,000-deep include chain overflowed the stack of the recursive route
// computation, and a diamond of includes (each proxy including the next twice) expanded into 2^n
// routes. Both are now bounded: the root gets an IncludeLimitExceeded error naming the limit, its host
// is not served, and every other host still is. Each build runs in a worker with a deadline, so an
// exponential regression fails instead of hanging the suite.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { callWithDeadline } from '../helpers/deadline.js';
import type { BuildSummary } from './includes-fixtures.js';

const deadlineMs = 20_000;
const fixtures = new URL('./includes-fixtures.ts', import.meta.url);
const build = (world: string, size: number, limits: Record<string, number> = {}): Promise<BuildSummary> =>
  callWithDeadline<BuildSummary>(fixtures, 'buildWorld', [world, size, limits], deadlineMs);

describe('hostile include graphs', () => {
  it('refuses an include chain 4,000 deep on the root, without overflowing the stack', async () => {
    const summary = await build('includeChain', 4000);
    assert.equal(summary.rootStatus, 'invalid');
    assert.deepEqual(summary.rootErrors, [
      'IncludeLimitExceeded: the include tree of default/root is deeper than 32 (the --max-include-depth limit); its virtual host is not served',
    ]);
    assert.deepEqual(summary.routesByHost, { 'bystander.example.com': 1 });
  });

  it('serves a chain exactly as deep as the limit', async () => {
    const summary = await build('includeChain', 5, { maxIncludeDepth: 5 });
    assert.equal(summary.rootStatus, 'valid');
    assert.deepEqual(summary.routesByHost, { 'bystander.example.com': 1, 'chain.example.com': 1 });
    const deeper = await build('includeChain', 6, { maxIncludeDepth: 5 });
    assert.equal(deeper.rootStatus, 'invalid');
  });

  it('refuses a diamond of 22 proxies (2^21 routes) by the includes-per-host limit', async () => {
    const summary = await build('includeDiamond', 22);
    assert.equal(summary.rootStatus, 'invalid');
    assert.deepEqual(summary.rootErrors, [
      'IncludeLimitExceeded: the include tree of default/root includes more proxies than 2000 (the --max-includes-per-vhost limit); its virtual host is not served',
    ]);
    assert.deepEqual(summary.routesByHost, { 'bystander.example.com': 1 });
  });

  it('refuses a diamond by the routes-per-host limit when includes are not the bound', async () => {
    const summary = await build('includeDiamond', 22, { maxIncludesPerVirtualHost: 1_000_000 });
    assert.deepEqual(summary.rootErrors, [
      'IncludeLimitExceeded: the include tree of default/root has more routes than 2000 (the --max-routes-per-vhost limit); its virtual host is not served',
    ]);
    assert.deepEqual(summary.routesByHost, { 'bystander.example.com': 1 });
  });

  it('serves a diamond whose routes fit the limit', async () => {
    const summary = await build('includeDiamond', 5, {
      maxRoutesPerVirtualHost: 16,
      maxIncludesPerVirtualHost: 31,
    });
    assert.equal(summary.rootStatus, 'valid');
    assert.equal(summary.routesByHost['diamond.example.com'], 16);
    const larger = await build('includeDiamond', 6, {
      maxRoutesPerVirtualHost: 16,
      maxIncludesPerVirtualHost: 1000,
    });
    assert.equal(larger.rootStatus, 'invalid');
  });

  it('refuses a tcpproxy include chain 4,000 deep on the root', async () => {
    const summary = await build('tcpIncludeChain', 4000);
    assert.equal(summary.rootStatus, 'invalid');
    assert.deepEqual(summary.rootErrors, [
      'IncludeLimitExceeded: the tcpproxy include chain of default/root is deeper than 32 (the --max-include-depth limit); its virtual host is not served',
    ]);
    assert.deepEqual(summary.tcpHosts, []);
    assert.deepEqual(summary.routesByHost, { 'bystander.example.com': 1 });
  });
});
