// Checks of the golden scenarios for Contour's configuration-file features (global header policy, fallback
// certificate): what each scenario exists to show. Part of test/dag/scenarios.test.ts's table.
import assert from 'node:assert/strict';
import type { BuildResult } from '../../src/dag/build.js';
import type { Route, VirtualHost, WeightedCluster } from '../../src/dag/types.js';

const errorsOf = (result: BuildResult, namespace: string, name: string): string[] => {
  const status = result.statuses.find((entry) => entry.namespace === namespace && entry.name === name);
  assert.ok(status, `status for ${namespace}/${name}`);
  return (status.conditions[0].errors ?? []).map((error) => `${error.type}/${error.reason}`);
};
const http = (result: BuildResult, fqdn: string): VirtualHost | undefined =>
  result.dag.httpVirtualHosts.find((host) => host.fqdn === fqdn);
const https = (result: BuildResult, fqdn: string) =>
  result.dag.httpsVirtualHosts.find((host) => host.fqdn === fqdn);
const routeAt = (host: VirtualHost | undefined, path: string): Route => {
  const route = host?.routes.find((candidate) => candidate.match.path.value === path);
  assert.ok(route, `route ${path}`);
  return route;
};
/** The upstreams of a route, by the Service name in their cluster name (`namespace/service/port/hash`). */
const upstreams = (route: Route): Record<string, WeightedCluster> =>
  route.action.kind === 'cluster'
    ? Object.fromEntries(route.action.clusters.map((c) => [c.cluster.split('/')[1], c]))
    : {};
const setOf = (cluster: WeightedCluster | undefined): Record<string, string> =>
  Object.fromEntries((cluster?.requestHeaders?.set ?? []).map((h) => [h.name, h.value]));
const isFallback = (name: string | undefined): boolean =>
  name?.startsWith('projectcontour/fallback/') ?? false;

export const configScenarioChecks: Record<string, (result: BuildResult) => void> = {
  'global-headers-policy': (r) => {
    const host = http(r, 'app.example.com');
    const split = routeAt(host, '/split');
    // The service's own X-Global wins; the other service gets the global one; the route's policy is its own.
    assert.equal(setOf(upstreams(split).web)['X-Global'], 'from-service');
    assert.equal(setOf(upstreams(split).tls)['X-Global'], 'from-config');
    assert.equal(setOf(upstreams(split).web)['X-Upstream'], 'default/web:80');
    assert.deepEqual(split.requestHeaders?.set, [{ name: 'X-Global', value: 'from-route' }]);
    assert.deepEqual(upstreams(split).web.requestHeaders?.remove, ['X-Debug', 'X-Own']);
    assert.equal(upstreams(split).tls.requestHeaders?.hostRewrite, 'global.example.com');
    assert.equal(
      upstreams(split).web.responseHeaders?.set.find((h) => h.name === 'X-Frame-Options')?.value,
      'SAMEORIGIN',
    );
    // A service's own Host rewrite wins over the global one, SNI included.
    assert.equal(upstreams(routeAt(host, '/rewritten')).tls.requestHeaders?.hostRewrite, 'own.example.com');
    assert.ok(r.dag.clusters.some((cluster) => cluster.sni === 'own.example.com'));
    assert.equal(routeAt(host, '/moved').requestHeaders, undefined);
    // Ingress is left alone without applyToIngress.
    assert.equal(upstreams(routeAt(http(r, 'legacy.example.com'), '/')).web.requestHeaders, undefined);
  },
  'global-headers-policy-ingress': (r) => {
    const legacy = http(r, 'legacy.example.com');
    assert.equal(setOf(upstreams(routeAt(legacy, '/')).web)['X-Upstream'], 'web:80');
    assert.equal(setOf(upstreams(routeAt(legacy, '/named')).web)['X-Upstream'], 'web:0');
    assert.deepEqual(upstreams(routeAt(legacy, '/')).web.responseHeaders?.remove, ['Server']);
    assert.deepEqual(routeAt(legacy, '/missing').action, { kind: 'directResponse', statusCode: 503 });
    assert.equal(setOf(upstreams(routeAt(http(r, 'app.example.com'), '/')).web)['X-Upstream'], 'web:80');
  },
  'global-headers-policy-invalid': (r) => {
    assert.deepEqual(errorsOf(r, 'default', 'app'), ['ServiceError/RequestHeadersPolicyInvalid']);
    assert.deepEqual(errorsOf(r, 'default', 'legacy'), ['ServiceError/HeadersPolicyInvalid']);
    assert.deepEqual(
      http(r, 'app.example.com')?.routes.map((route) => route.match.path.value),
      ['/gone'],
    );
    assert.equal(http(r, 'legacy.example.com'), undefined);
  },
  'fallback-certificate': (r) => {
    assert.ok(isFallback(https(r, 'a.example.com')?.fallbackSecret));
    assert.ok(isFallback(https(r, 'b.example.com')?.fallbackSecret));
    assert.equal(https(r, 'c.example.com')?.fallbackSecret, undefined);
    assert.equal(https(r, 'd.example.com'), undefined);
    assert.deepEqual(errorsOf(r, 'team', 'd'), ['TLSError/FallbackNotDelegated']);
    assert.ok(r.dag.secrets.some((secret) => isFallback(secret.name)));
  },
  'fallback-certificate-invalid': (r) => {
    assert.deepEqual(errorsOf(r, 'default', 'mtls'), ['TLSError/TLSIncompatibleFeatures']);
    assert.deepEqual(errorsOf(r, 'default', 'missing'), ['TLSError/FallbackNotValid']);
    assert.deepEqual(errorsOf(r, 'default', 'passthrough'), ['TLSError/TLSIncompatibleFeatures']);
    assert.deepEqual(
      r.dag.httpsVirtualHosts.map((host) => host.fqdn),
      ['passthrough.example.com'],
    );
  },
  'fallback-certificate-root-namespaces': (r) => {
    assert.ok(isFallback(https(r, 'a.example.com')?.fallbackSecret));
    assert.ok(https(r, 'shared.example.com')?.secret?.startsWith('projectcontour/shared/'));
    assert.deepEqual(errorsOf(r, 'default', 'elsewhere'), ['TLSError/SecretNotValid']);
  },
};
