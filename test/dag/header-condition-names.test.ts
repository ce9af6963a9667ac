// Header conditions whose names Envoy refuses (HeaderMatcher.name: no NUL, CR or LF) are refused by the
// build, with a status naming the condition, instead of reaching assembly (where the whole virtual
// host would be withheld).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BuildResult } from '../../src/dag/build.js';
import { buildFromYaml, rootProxyYaml } from './fixtures.js';

/** A route whose header condition is named `name` (a YAML double-quoted string), and a good route. */
const proxyYaml = (name: string): string =>
  rootProxyYaml(`  routes:
  - conditions: [{prefix: /bad}, {header: {name: "${name}", present: true}}]
    services: [{name: web, port: 80}]
  - conditions: [{prefix: /good}, {header: {name: x-good, present: true}}]
    services: [{name: web, port: 80}]
`);

/** The same header condition on an include instead of a route. */
const includeYaml = (name: string): string =>
  rootProxyYaml(`  includes:
  - name: child
    conditions: [{prefix: /child}, {header: {name: "${name}", exact: "1"}}]
  routes:
  - conditions: [{prefix: /good}]
    services: [{name: web, port: 80}]
---
apiVersion: projectcontour.io/v1
kind: HTTPProxy
metadata: {namespace: default, name: child}
spec:
  routes:
  - services: [{name: web, port: 80}]
`);

const errorsOf = (result: BuildResult, name: string) =>
  result.statuses.find((status) => status.name === name)?.conditions.flatMap((c) => c.errors ?? []) ?? [];

const routePaths = (result: BuildResult): string[] =>
  (result.dag.httpVirtualHosts.find((host) => host.fqdn === 'a.example.com')?.routes ?? []).map(
    (route) => route.match.path.value,
  );

describe('header conditions with names Envoy refuses', () => {
  for (const [label, name, shown] of [
    ['CR LF', 'x-a\\r\\nx-injected', '"x-a\\r\\nx-injected"'],
    ['LF', 'x-a\\nb', '"x-a\\nb"'],
    ['NUL', 'x-a\\0b', '"x-a\\u0000b"'],
  ] as const) {
    it(`refuses a route's condition on a name with ${label}, naming it; other routes stay`, () => {
      const result = buildFromYaml(proxyYaml(name));
      const errors = errorsOf(result, 'root');
      assert.deepEqual(
        errors.map((error) => `${error.type}/${error.reason}`),
        ['RouteError/HeaderMatchConditionsNotValid'],
      );
      assert.ok(errors[0].message.includes(shown), errors[0].message);
      assert.deepEqual(routePaths(result), ['/good']);
    });
  }

  it("refuses an include's condition on a name with CR LF; the include's routes are not built", () => {
    const result = buildFromYaml(includeYaml('x-a\\r\\nx-injected'));
    const errors = errorsOf(result, 'root');
    assert.deepEqual(
      errors.map((error) => `${error.type}/${error.reason}`),
      ['RouteError/HeaderMatchConditionsNotValid'],
    );
    assert.ok(errors[0].message.includes('"x-a\\r\\nx-injected"'), errors[0].message);
    assert.deepEqual(routePaths(result), ['/good']);
  });

  it('still accepts names Envoy accepts (non-strict: anything but NUL, CR, LF)', () => {
    const result = buildFromYaml(proxyYaml('x-a b:c'));
    assert.deepEqual(errorsOf(result, 'root'), []);
    assert.deepEqual(routePaths(result).sort(), ['/bad', '/good']);
  });
});
