// The DAG engineer's golden scenarios (test/golden/<name>/input.yaml): each is built and checked for the
// behaviour it exists to show. The golden harness also pins the full output; these checks say why.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildDag, type BuildResult } from '../../src/dag/build.js';
import type { Route, SecureVirtualHost, VirtualHost } from '../../src/dag/types.js';
import { toJson } from '@bufbuild/protobuf';
import { createEndpointAssignments } from '../../src/assemble/endpoint-assignments.js';
import { createResourceChecker } from '../../src/assemble/resource-check.js';
import type { ClusterLoadAssignment } from '../../src/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { LbEndpointSchema } from '../../src/gen/envoy/config/endpoint/v3/endpoint_components_pb.js';
import { loadScenario, scenarioNames, type Scenario } from './scenario-loader.js';
import { configScenarioChecks } from './config-scenarios.js';
import { translateScenarioChecks } from './translate-scenarios.js';

const statusOf = (result: BuildResult, namespace: string, name: string) => {
  const status = result.statuses.find((entry) => entry.namespace === namespace && entry.name === name);
  assert.ok(status, `status for ${namespace}/${name}`);
  return status;
};
/** `type/reason` of every error of an object. */
const errorsOf = (result: BuildResult, namespace: string, name: string): string[] =>
  (statusOf(result, namespace, name).conditions[0].errors ?? []).map(
    (error) => `${error.type}/${error.reason}`,
  );
const isValid = (result: BuildResult, namespace: string, name: string): boolean =>
  statusOf(result, namespace, name).currentStatus === 'valid';
const http = (result: BuildResult, fqdn: string): VirtualHost | undefined =>
  result.dag.httpVirtualHosts.find((host) => host.fqdn === fqdn);
const https = (result: BuildResult, fqdn: string): SecureVirtualHost | undefined =>
  result.dag.httpsVirtualHosts.find((host) => host.fqdn === fqdn);
const paths = (host: VirtualHost | undefined): string[] =>
  (host?.routes ?? []).map((route) => `${route.match.path.kind}:${route.match.path.value}`);
const routeAt = (host: VirtualHost | undefined, path: string): Route => {
  const route = host?.routes.find((candidate) => candidate.match.path.value === path);
  assert.ok(route, `route ${path}`);
  return route;
};
const clustersOf = (route: Route): string[] =>
  route.action.kind === 'cluster' ? route.action.clusters.map((c) => c.cluster) : [];
const app = 'app.example.com';

/** The ClusterLoadAssignments the assembly publishes for the build's clusters. */
const clusterLoadAssignments = (result: BuildResult, scenario: Scenario): ClusterLoadAssignment[] => {
  const assignments = createEndpointAssignments(scenario.store, createResourceChecker());
  assignments.setClusters(result.dag.clusters);
  return assignments.list().map((assignment) => assignment.message as ClusterLoadAssignment);
};

/** The addresses EDS serves for one name. */
const endpointAddresses = (result: BuildResult, scenario: Scenario, edsName: string): string[] =>
  clusterLoadAssignments(result, scenario)
    .filter((assignment) => assignment.clusterName === edsName)
    .flatMap((assignment) => assignment.endpoints.flatMap((locality) => locality.lbEndpoints))
    .map((lbEndpoint) => {
      const json = toJson(LbEndpointSchema, lbEndpoint) as {
        endpoint: { address: { socketAddress: { address: string; portValue: number } } };
      };
      const socket = json.endpoint.address.socketAddress;
      return `${socket.address}:${socket.portValue}`;
    });

const checks: Record<string, (result: BuildResult, scenario: Scenario) => void> = {
  'httpproxy-prefix-condition': (r) => assert.deepEqual(paths(http(r, app)), ['prefix:/api', 'prefix:/']),
  'httpproxy-exact-condition': (r) => {
    assert.deepEqual(paths(http(r, app)), ['exact:/healthz', 'prefix:/']);
    assert.deepEqual(routeAt(http(r, app), '/healthz').action, {
      kind: 'directResponse',
      statusCode: 200,
      body: 'ok',
    });
  },
  'httpproxy-regex-condition': (r) =>
    assert.deepEqual(paths(http(r, app)), ['regex:/items/[0-9]+', 'prefix:/items']),
  'httpproxy-regex-condition-invalid': (r) => {
    assert.deepEqual(errorsOf(r, 'default', 'app'), ['RouteError/PathMatchConditionsNotValid']);
    assert.deepEqual(paths(http(r, app)), ['prefix:/']);
  },
  'httpproxy-header-conditions': (r) => {
    const headers = routeAt(http(r, app), '/a').match.headers;
    assert.deepEqual(
      headers.map(
        (h) => `${h.name}:${h.invert ? '!' : ''}${h.kind}:${h.ignoreCase}:${h.treatMissingAsEmpty}`,
      ),
      [
        'x-absent:!present:false:false',
        'x-exact:exact:true:false',
        'x-notexact:!exact:false:true',
        'x-present:present:false:false',
      ],
    );
    assert.equal(routeAt(http(r, app), '/b').match.headers.length, 3);
  },
  'httpproxy-header-conditions-contradictory': (r) => {
    assert.deepEqual(errorsOf(r, 'default', 'app'), ['RouteError/HeaderMatchConditionsNotValid']);
    assert.deepEqual(paths(http(r, app)), ['prefix:/ok']);
  },
  'httpproxy-header-regex-invalid': (r) => {
    assert.deepEqual(errorsOf(r, 'default', 'app'), ['RouteError/HeaderMatchConditionsNotValid']);
    assert.equal(http(r, app), undefined);
  },
  'httpproxy-query-conditions': (r) => {
    const kinds = (http(r, app)?.routes ?? [])
      .flatMap((route) => route.match.queryParams.map((q) => q.kind))
      .sort();
    assert.deepEqual(kinds, ['contains', 'exact', 'prefix', 'present', 'regex', 'suffix']);
  },
  'httpproxy-query-conditions-invalid': (r) =>
    assert.deepEqual(errorsOf(r, 'default', 'app'), ['RouteError/QueryParameterMatchConditionsNotValid']),
  'httpproxy-multiple-path-conditions': (r) =>
    assert.deepEqual(errorsOf(r, 'default', 'app'), ['RouteError/PathMatchConditionsNotValid']),
  'httpproxy-prefix-without-slash': (r) => {
    assert.deepEqual(errorsOf(r, 'default', 'app'), ['RouteError/PathMatchConditionsNotValid']);
    assert.equal(r.dag.httpVirtualHosts.length, 0);
  },
  'httpproxy-route-ordering': (r) =>
    assert.deepEqual(
      (http(r, app)?.routes ?? []).map(
        (route) =>
          `${route.match.path.value}${route.match.headers.map((h) => ` ${h.name}`).join('')}${route.match.queryParams.map((q) => ` ?${q.name}`).join('')}`,
      ),
      ['/api/health', '/api/v[0-9]+', '/api/v1', '/api :method', '/api x-beta', '/api ?debug', '/api', '/'],
    ),
  'httpproxy-duplicate-route-conditions': (r) => {
    const routes = http(r, app)?.routes ?? [];
    assert.equal(routes.length, 1);
    assert.match(clustersOf(routes[0])[0], /^default\/other\/80\//);
  },
  'include-basic': (r) => {
    assert.deepEqual(paths(http(r, app)), ['prefix:/api/v1', 'prefix:/']);
    assert.equal(routeAt(http(r, app), '/api/v1').source.name, 'child');
    assert.ok(isValid(r, 'default', 'child') && isValid(r, 'default', 'root'));
  },
  'include-multilevel': (r) => {
    const leaf = routeAt(http(r, app), '/a/b/c');
    assert.deepEqual(
      leaf.match.headers.map((h) => h.name),
      ['x-debug', 'x-tenant'],
    );
    assert.deepEqual(
      leaf.match.queryParams.map((q) => q.name),
      ['v'],
    );
    assert.equal(routeAt(http(r, app), '/a/b/d').match.path.kind, 'exact');
  },
  'include-cross-namespace': (r) =>
    assert.deepEqual(
      clustersOf(routeAt(http(r, app), '/api'))[0]
        .split('/')
        .slice(0, 3),
      ['team', 'api', '8080'],
    ),
  'include-cycle': (r) => {
    assert.deepEqual(errorsOf(r, 'default', 'a'), ['IncludeError/IncludeCreatesCycle']);
    assert.match(
      statusOf(r, 'default', 'a').conditions[0].errors?.[0].message ?? '',
      /default\/root -> default\/a -> default\/b -> default\/a/,
    );
    assert.deepEqual(paths(http(r, app)), ['prefix:/a/b', 'prefix:/a', 'prefix:/']);
  },
  'include-self': (r) =>
    assert.deepEqual(errorsOf(r, 'default', 'loop'), ['IncludeError/IncludeCreatesCycle']),
  'include-root-includes-root': (r) => {
    assert.deepEqual(errorsOf(r, 'default', 'one'), ['IncludeError/RootIncludesRoot']);
    assert.deepEqual(routeAt(http(r, 'one.example.com'), '/two').action, {
      kind: 'directResponse',
      statusCode: 502,
    });
    assert.ok(isValid(r, 'default', 'two'));
  },
  'include-duplicate-conditions': (r) => {
    assert.deepEqual(errorsOf(r, 'default', 'root'), ['IncludeError/DuplicateMatchConditions']);
    assert.equal(statusOf(r, 'default', 'b').currentStatus, 'orphaned');
  },
  'include-orphaned': (r) => {
    const status = statusOf(r, 'default', 'lonely');
    assert.equal(status.currentStatus, 'orphaned');
    assert.equal(
      status.description,
      'this HTTPProxy is not part of a delegation chain from a root HTTPProxy',
    );
  },
  'include-missing-with-conditions': (r) => {
    assert.deepEqual(errorsOf(r, 'default', 'root'), ['IncludeError/IncludeNotFound']);
    assert.deepEqual(routeAt(http(r, app), '/ghost').action, { kind: 'directResponse', statusCode: 502 });
  },
  'include-missing-without-conditions': (r) => {
    assert.deepEqual(errorsOf(r, 'default', 'root'), ['IncludeError/IncludeNotFound']);
    assert.deepEqual(paths(http(r, app)), ['prefix:/']);
    assert.equal(routeAt(http(r, app), '/').action.kind, 'cluster');
  },
  'include-exact-condition-invalid': (r) => {
    assert.deepEqual(errorsOf(r, 'default', 'root'), ['IncludeError/PathMatchConditionsNotValid']);
    assert.equal(statusOf(r, 'default', 'child').currentStatus, 'orphaned');
  },
  'include-shared-child': (r) => {
    assert.deepEqual(paths(http(r, 'one.example.com')), ['prefix:/shared']);
    assert.deepEqual(paths(http(r, 'two.example.com')), ['prefix:/']);
    assert.equal(r.dag.clusters.length, 1);
  },
  'vhost-wildcard-fqdn': (r) => {
    const header = routeAt(http(r, '*.example.com'), '/').match.headers[0];
    assert.equal(header.name, ':authority');
    assert.equal(header.kind, 'regex');
    assert.equal(header.value, '^[a-z0-9]([-a-z0-9]*[a-z0-9])?\\.example\\.com(:[0-9]+)?');
  },
  'vhost-duplicate-fqdn': (r) => {
    assert.deepEqual(errorsOf(r, 'default', 'first'), ['VirtualHostError/DuplicateVhost']);
    assert.deepEqual(errorsOf(r, 'other', 'second'), ['VirtualHostError/DuplicateVhost']);
    assert.deepEqual(
      r.dag.httpVirtualHosts.map((host) => host.fqdn),
      ['unique.example.com'],
    );
  },
  'vhost-root-namespaces': (r) => {
    assert.deepEqual(errorsOf(r, 'default', 'denied'), ['RootNamespaceError/RootProxyNotAllowedInNamespace']);
    assert.deepEqual(
      r.dag.httpVirtualHosts.map((host) => host.fqdn),
      ['allowed.example.com'],
    );
  },
  'vhost-nothing-defined': (r) =>
    assert.deepEqual(errorsOf(r, 'default', 'empty'), ['SpecError/NothingDefined']),
  'vhost-ingress-class': (r) => {
    assert.deepEqual(
      r.statuses.map((status) => status.name),
      ['mine'],
    );
    assert.deepEqual(
      r.dag.httpVirtualHosts.map((host) => host.fqdn),
      ['mine.example.com'],
    );
  },
  'tls-same-namespace': (r) => {
    const secure = https(r, 'a.example.com');
    assert.match(secure?.secret ?? '', /^default\/cert\/[0-9a-f]{10}$/);
    assert.deepEqual([secure?.minTlsVersion, secure?.maxTlsVersion], ['1.2', '1.3']);
    assert.equal(routeAt(http(r, 'a.example.com'), '/').httpsRedirect, true);
    assert.equal(r.dag.secrets.length, 1);
  },
  'tls-delegation-named': (r) => assert.match(https(r, 'a.example.com')?.secret ?? '', /^certs\/wildcard\//),
  'tls-delegation-wildcard': (r) =>
    assert.match(https(r, 'a.example.com')?.secret ?? '', /^certs\/wildcard\//),
  'tls-delegation-not-permitted': (r) => {
    assert.deepEqual(errorsOf(r, 'team', 'app'), ['TLSError/DelegationNotPermitted']);
    assert.equal(r.dag.httpVirtualHosts.length + r.dag.httpsVirtualHosts.length + r.dag.secrets.length, 0);
  },
  'tls-secret-missing': (r) => assert.deepEqual(errorsOf(r, 'default', 'app'), ['TLSError/SecretNotValid']),
  'tls-secret-invalid-certificate': (r) =>
    assert.deepEqual(errorsOf(r, 'default', 'app'), ['TLSError/SecretNotValid']),
  'tls-secret-key-mismatch': (r) => {
    assert.deepEqual(errorsOf(r, 'default', 'app'), ['TLSError/SecretNotValid']);
    assert.match(statusOf(r, 'default', 'app').conditions[0].errors?.[0].message ?? '', /does not match/);
  },
  'tls-secret-missing-key': (r) =>
    assert.deepEqual(errorsOf(r, 'default', 'app'), ['TLSError/SecretNotValid']),
  'tls-protocol-versions': (r) =>
    assert.deepEqual(
      [https(r, 'a.example.com')?.minTlsVersion, https(r, 'a.example.com')?.maxTlsVersion],
      ['1.3', '1.3'],
    ),
  'tls-protocol-versions-inverted': (r) =>
    assert.deepEqual(errorsOf(r, 'default', 'app'), ['TLSError/TLSConfigNotValid']),
  'tls-permit-insecure': (r) => {
    assert.equal(routeAt(http(r, 'a.example.com'), '/.well-known').httpsRedirect, false);
    assert.equal(routeAt(http(r, 'a.example.com'), '/').httpsRedirect, true);
  },
  'tls-passthrough-tcpproxy': (r) => {
    const secure = https(r, 'pass.example.com');
    assert.equal(secure?.secret, undefined);
    assert.equal(secure?.tcpProxy?.passthrough, true);
    assert.equal(r.dag.httpVirtualHosts.length, 0);
  },
  'tls-passthrough-and-secret': (r) =>
    assert.deepEqual(errorsOf(r, 'default', 'app'), ['TLSError/TLSConfigNotValid']),
  'tls-fallback-not-configured': (r) =>
    assert.deepEqual(errorsOf(r, 'default', 'app'), ['TLSError/FallbackNotPresent']),
  'tcpproxy-terminated': (r) => {
    const secure = https(r, 'db.example.com');
    assert.equal(secure?.tcpProxy?.passthrough, false);
    assert.deepEqual(
      secure?.tcpProxy?.clusters.map((c) => c.weight),
      [10, 90],
    );
  },
  'tcpproxy-without-tls': (r) =>
    assert.deepEqual(errorsOf(r, 'default', 'tcp'), ['TCPProxyError/TLSMustBeConfigured']),
  'tcpproxy-include': (r) => {
    assert.equal(https(r, 'pass.example.com')?.tcpProxy?.clusters.length, 1);
    assert.ok(isValid(r, 'default', 'backend'));
  },
  'tcpproxy-services-and-include': (r) =>
    assert.deepEqual(errorsOf(r, 'default', 'pass'), ['TCPProxyError/NoServicesAndInclude']),
  'service-weights': (r) => {
    const route = routeAt(http(r, app), '/');
    assert.deepEqual(
      route.action.kind === 'cluster' ? route.action.clusters.map((c) => c.weight) : [],
      [80, 20],
    );
  },
  'service-weights-omitted': (r) => {
    const route = routeAt(http(r, app), '/');
    assert.deepEqual(
      route.action.kind === 'cluster' ? route.action.clusters.map((c) => c.weight) : [],
      [1, 1],
    );
  },
  'service-named-port': (r) =>
    assert.deepEqual(r.dag.clusters.map((c) => c.edsName).sort(), [
      'default/web/8081',
      'default/web/admin',
      'default/web/http',
    ]),
  'service-protocol-route': (r) =>
    assert.deepEqual(r.dag.clusters.map((c) => c.protocol).sort(), ['h2', 'h2c', 'tls']),
  'service-protocol-appprotocol': (r) =>
    assert.deepEqual(r.dag.clusters.map((c) => c.protocol).sort(), ['h2c', 'tls']),
  'service-protocol-annotation': (r) =>
    assert.deepEqual(r.dag.clusters.map((c) => `${c.service.port}:${c.protocol}`).sort(), [
      '50051:h2c',
      '8443:tls',
    ]),
  'service-missing': (r) => {
    assert.deepEqual(errorsOf(r, 'default', 'app'), ['ServiceError/ServiceUnresolvedReference']);
    assert.deepEqual(routeAt(http(r, app), '/').action, { kind: 'directResponse', statusCode: 503 });
  },
  'service-port-missing': (r) => {
    assert.equal(routeAt(http(r, app), '/partial').action.kind, 'cluster');
    assert.deepEqual(routeAt(http(r, app), '/').action, { kind: 'directResponse', statusCode: 503 });
  },
  'service-externalname-disabled': (r) =>
    assert.deepEqual(errorsOf(r, 'default', 'app'), ['ServiceError/ServiceUnresolvedReference']),
  'service-externalname-enabled': (r) => {
    assert.equal(r.dag.clusters[0].externalName, 'api.example.net');
    assert.equal(r.dag.clusters[0].sni, 'api.example.net');
  },
  'service-externalname-localhost': (r) =>
    assert.deepEqual(errorsOf(r, 'default', 'app'), ['ServiceError/ServiceUnresolvedReference']),
  'service-upstream-validation': (r) => {
    const validation = r.dag.clusters[0].upstreamValidation;
    assert.equal(validation?.subjectName, 'secure.default.svc');
    assert.deepEqual(
      r.dag.secrets.map((secret) => secret.name),
      [validation?.caSecret],
    );
    assert.ok(r.dag.secrets[0].caCertificate?.includes('BEGIN CERTIFICATE'));
  },
  'service-upstream-validation-missing-ca': (r) =>
    assert.deepEqual(errorsOf(r, 'default', 'app'), ['ServiceError/TLSUpstreamValidation']),
  'service-shared-cluster': (r) => assert.equal(r.dag.clusters.length, 1),
  'route-request-redirect': (r) => {
    assert.deepEqual(routeAt(http(r, app), '/old').action, {
      kind: 'redirect',
      scheme: 'https',
      hostname: 'new.example.com',
      port: 8443,
      path: '/new',
      statusCode: 301,
    });
    assert.deepEqual(routeAt(http(r, app), '/moved').action, {
      kind: 'redirect',
      prefix: '/elsewhere',
      statusCode: 302,
    });
  },
  'route-request-redirect-path-and-prefix': (r) =>
    assert.deepEqual(errorsOf(r, 'default', 'app'), ['RouteError/RequestRedirectPolicy']),
  'route-direct-response': (r) =>
    assert.deepEqual(routeAt(http(r, app), '/teapot').action, {
      kind: 'directResponse',
      statusCode: 418,
      body: "I'm a teapot",
    }),
  'route-action-count': (r) => {
    assert.deepEqual(errorsOf(r, 'default', 'app'), ['RouteError/RouteActionCountNotValid']);
    assert.deepEqual(paths(http(r, app)), ['prefix:/']);
  },
  'route-path-rewrite': (r) => {
    assert.deepEqual(paths(http(r, app)), ['prefix:/api/', 'prefix:/api']);
    assert.equal(routeAt(http(r, app), '/api').prefixRewrite, '/v2');
    assert.equal(routeAt(http(r, app), '/api/').prefixRewrite, '/v2/');
  },
  'route-path-rewrite-invalid': (r) =>
    assert.deepEqual(errorsOf(r, 'default', 'app'), [
      'PrefixReplaceError/DuplicateReplacement',
      'PrefixReplaceError/MustHavePrefix',
    ]),
  'route-headers-policy': (r) => {
    const route = routeAt(http(r, app), '/');
    assert.deepEqual(route.requestHeaders?.set, [{ name: 'X-Forwarded-Tenant', value: 'default' }]);
    assert.equal(route.requestHeaders?.hostRewrite, 'internal.example.com');
    assert.deepEqual(route.responseHeaders?.remove, ['Server']);
    assert.deepEqual(route.action.kind === 'cluster' ? route.action.clusters[0].requestHeaders?.set : [], [
      { name: 'X-Service', value: 'web:80' },
    ]);
    assert.equal(r.dag.clusters[0].sni, 'internal.example.com');
  },
  'route-headers-policy-invalid': (r) =>
    assert.deepEqual(errorsOf(r, 'default', 'app'), [
      'RouteError/RequestHeadersPolicyInvalid',
      'RouteError/ResponseHeaderPolicyInvalid',
    ]),
  'route-timeout-policy': (r) => {
    assert.deepEqual(routeAt(http(r, app), '/slow').timeout, { responseMs: 0, idleMs: 300_000 });
    assert.deepEqual(routeAt(http(r, app), '/').timeout, { responseMs: 1500 });
  },
  'route-retry-policy': (r) => {
    assert.deepEqual(routeAt(http(r, app), '/retry').retry, {
      retryOn: ['gateway-error', 'retriable-status-codes'],
      numRetries: 3,
      perTryTimeoutMs: 150,
      retriableStatusCodes: [502, 503],
    });
    assert.equal(routeAt(http(r, app), '/never').retry?.numRetries, 0);
    assert.deepEqual(routeAt(http(r, app), '/').retry?.retryOn, ['5xx']);
  },
  'route-websockets': (r) => {
    assert.equal(routeAt(http(r, app), '/ws').websocket, true);
    assert.equal(routeAt(http(r, app), '/').websocket, false);
  },
  'route-mirror': (r) => {
    const route = routeAt(http(r, app), '/');
    assert.equal(route.mirrors.length, 1);
    assert.equal(route.mirrors[0].weight, 100);
    assert.equal(clustersOf(route).length, 1);
  },
  'route-mirror-twice': (r) =>
    assert.deepEqual(errorsOf(r, 'default', 'app'), ['ServiceError/OnlyOneMirror']),
  'route-load-balancer-policy': (r) => {
    assert.equal(r.dag.clusters.length, 2);
    assert.notDeepEqual(clustersOf(routeAt(http(r, app), '/random')), clustersOf(routeAt(http(r, app), '/')));
  },
  'schema-invalid': (r) => {
    assert.deepEqual(errorsOf(r, 'default', 'bad-port'), ['SpecError/SpecNotValid']);
    assert.deepEqual(errorsOf(r, 'default', 'bad-enum'), ['SpecError/SpecNotValid']);
    assert.deepEqual(
      r.dag.httpVirtualHosts.map((host) => host.fqdn),
      ['good.example.com'],
    );
  },
  'schema-invalid-include-target': (r) => {
    assert.deepEqual(errorsOf(r, 'default', 'root'), ['IncludeError/IncludeNotValid']);
    assert.deepEqual(errorsOf(r, 'default', 'broken'), ['SpecError/SpecNotValid']);
  },
  'per-route-invalidation': (r) => {
    assert.deepEqual(errorsOf(r, 'default', 'app'), ['RouteError/RequestHeadersPolicyInvalid']);
    assert.deepEqual(paths(http(r, app)), ['prefix:/fine']);
  },
  'unsupported-access-control': (r) => {
    assert.deepEqual(errorsOf(r, 'default', 'auth'), ['AuthError/FeatureNotSupported']);
    assert.deepEqual(errorsOf(r, 'default', 'ipfilter'), ['IPFilterError/FeatureNotSupported']);
    assert.deepEqual(
      r.dag.httpVirtualHosts.map((host) => host.fqdn),
      ['ip.example.com'],
    );
    assert.deepEqual(paths(http(r, 'ip.example.com')), ['prefix:/']);
  },
  'unsupported-fields-warning': (r) => {
    const condition = statusOf(r, 'default', 'app').conditions[0];
    assert.equal(condition.status, 'True');
    assert.deepEqual(
      (condition.warnings ?? []).map((warning) => `${warning.type}/${warning.reason}`),
      [
        'RouteError/FieldNotSupported',
        'ServiceError/FieldNotSupported',
        'VirtualHostError/FieldNotSupported',
      ],
    );
    assert.equal(http(r, app)?.routes.length, 1);
  },
  'tls-passthrough-without-tcpproxy': (r) => {
    assert.equal(r.dag.httpsVirtualHosts.length, 0);
    assert.equal(routeAt(http(r, 'a.example.com'), '/').httpsRedirect, true);
  },
  'httpproxy-basic': (r) => {
    assert.deepEqual(paths(http(r, 'basic.example.com')), ['prefix:/']);
    assert.deepEqual(clustersOf(routeAt(http(r, 'basic.example.com'), '/')), ['default/web/80/2c1e759f96']);
    assert.ok(isValid(r, 'default', 'basic'));
  },
  'httpproxy-include': (r) => {
    // The included proxy's routes come under the include's prefix, served from its own namespace.
    assert.deepEqual(paths(http(r, 'www.example.com')), ['prefix:/blog/feed', 'prefix:/blog/', 'prefix:/']);
    assert.match(clustersOf(routeAt(http(r, 'www.example.com'), '/blog/feed'))[0], /^marketing\/blog\//);
    assert.ok(isValid(r, 'default', 'root') && isValid(r, 'marketing', 'blog'));
  },
  'httpproxy-several-prefixes': (r) => {
    const host = http(r, 'site.example.com');
    assert.deepEqual(paths(host), ['prefix:/api/static/', 'prefix:/api', 'prefix:/']);
    assert.match(clustersOf(routeAt(host, '/api/static/'))[0], /^default\/static\//);
    assert.match(clustersOf(routeAt(host, '/api'))[0], /^default\/api\//);
  },
  'httpproxy-weighted-services': (r) => {
    const route = routeAt(http(r, 'canary.example.com'), '/');
    assert.ok(route.action.kind === 'cluster');
    assert.deepEqual(
      route.action.clusters.map((c) => `${c.cluster.split('/')[1]}:${c.weight}`),
      ['v1:90', 'v2:10'],
    );
  },
  'header-and-query-conditions': (r) => {
    const routes = http(r, 'conditions.example.com')?.routes ?? [];
    assert.deepEqual(
      routes.map((route) => [
        route.match.headers.map((h) => `${h.name}:${h.invert ? '!' : ''}${h.kind}:${h.value ?? ''}`),
        route.match.queryParams.map((q) => `${q.name}:${q.kind}`),
      ]),
      [
        [['user-agent:!contains:bot'], ['debug:present']],
        [['x-channel:exact:beta'], []],
        [[], []],
      ],
    );
  },
  'endpoints-by-port-name': (r, s) => {
    assert.deepEqual(
      r.dag.clusters.map((c) => c.edsName),
      ['default/multi/http', 'default/multi/grpc'],
    );
    for (const cluster of r.dag.clusters) assert.ok(endpointAddresses(r, s, cluster.edsName).length > 0);
    assert.notDeepEqual(
      endpointAddresses(r, s, 'default/multi/http'),
      endpointAddresses(r, s, 'default/multi/grpc'),
    );
  },
  'not-ready-endpoints': (r, s) =>
    // Ready and unknown-readiness endpoints are served; not ready (even serving while terminating) are not.
    assert.deepEqual(endpointAddresses(r, s, 'default/flaky/http'), ['10.0.5.1:8080', '10.0.5.4:8080']),
  'service-without-endpoints': (r, s) => {
    assert.deepEqual(paths(http(r, 'idle.example.com')), ['prefix:/']);
    assert.deepEqual(clustersOf(routeAt(http(r, 'idle.example.com'), '/')), ['default/idle/80/cef41b9aef']);
    assert.deepEqual(endpointAddresses(r, s, 'default/idle/http'), []);
    assert.ok(isValid(r, 'default', 'idle'));
  },
  'service-port-by-name': (r) => {
    assert.deepEqual(
      r.dag.clusters.map((c) => `${c.name.split('/').slice(0, 3).join('/')} ${c.edsName}`),
      ['default/named/8000 default/named/web'],
    );
  },
  'missing-include': (r) => {
    assert.deepEqual(errorsOf(r, 'default', 'root'), ['IncludeError/IncludeNotFound']);
    assert.deepEqual(routeAt(http(r, 'root.example.com'), '/team').action, {
      kind: 'directResponse',
      statusCode: 502,
    });
    assert.deepEqual(clustersOf(routeAt(http(r, 'root.example.com'), '/')), ['default/web/80/2c1e759f96']);
  },
  'missing-service': (r) => {
    assert.deepEqual(errorsOf(r, 'default', 'missing'), ['ServiceError/ServiceUnresolvedReference']);
    assert.deepEqual(routeAt(http(r, 'missing.example.com'), '/gone').action, {
      kind: 'directResponse',
      statusCode: 503,
    });
    assert.equal(r.dag.clusters.length, 1);
  },
  'invalid-proxy-conflict': (r) => {
    assert.deepEqual(errorsOf(r, 'default', 'first'), ['VirtualHostError/DuplicateVhost']);
    assert.deepEqual(errorsOf(r, 'default', 'second'), ['VirtualHostError/DuplicateVhost']);
    assert.equal(r.dag.httpVirtualHosts.length + r.dag.httpsVirtualHosts.length, 0);
  },
  'multiple-tls-vhosts': (r) => {
    assert.deepEqual(
      r.dag.httpsVirtualHosts.map(
        (host) => `${host.fqdn} ${host.secret?.split('/')[1]} ${host.minTlsVersion}`,
      ),
      ['a.example.com a-tls 1.2', 'b.example.com b-tls 1.3'],
    );
    assert.equal(r.dag.secrets.length, 2);
    for (const fqdn of ['a.example.com', 'b.example.com'])
      assert.ok(routeAt(http(r, fqdn), '/').httpsRedirect);
  },
  'tls-vhost': (r) => {
    const host = http(r, 'a.example.com');
    assert.equal(routeAt(host, '/public').httpsRedirect, false, 'permitInsecure route stays plaintext');
    assert.equal(routeAt(host, '/').httpsRedirect, true);
    assert.equal(https(r, 'a.example.com')?.secret, r.dag.secrets[0].name);
  },
  'tls-passthrough': (r) => {
    const host = https(r, 'db.example.com');
    assert.equal(host?.secret, undefined, 'not terminated');
    assert.deepEqual(host?.tcpProxy, {
      passthrough: true,
      clusters: [{ cluster: 'default/db/443/6be06f58fa', weight: 1 }],
    });
    assert.equal(r.dag.httpVirtualHosts.length, 0);
  },
  'route-policies': (r) => {
    const route = routeAt(http(r, 'policies.example.com'), '/app');
    assert.equal(route.prefixRewrite, '/');
    assert.equal(route.requestHeaders?.hostRewrite, 'internal.example.com');
    assert.deepEqual(
      route.mirrors.map((m) => m.cluster.split('/')[1]),
      ['shadow'],
    );
    assert.equal(route.retry?.numRetries, 3);
    assert.deepEqual(route.responseHeaders?.set, [{ name: 'X-Served-By', value: 'contour' }]);
  },
  'upstream-h2c-and-tls': (r) =>
    assert.deepEqual(
      r.dag.clusters.map((c) => `${c.service.name}:${c.protocol}`),
      ['grpc:h2c', 'secure-backend:tls'],
    ),
  'translate-options': (r) => {
    // Only translation changes (options.json's "translate" key): the build is the basic proxy's.
    const basic = loadScenario('httpproxy-basic');
    assert.deepEqual(r, buildDag(basic.store, basic.options));
  },
  'translate-contour-config': (r) => {
    // Only translation changes (Contour's config file settings): the build is the basic proxy's.
    const basic = loadScenario('httpproxy-basic');
    assert.deepEqual(r, buildDag(basic.store, basic.options));
  },
  'vhost-root-namespaces-secret': (r) => {
    // Secrets are read only in root namespaces: the * delegation from `certs` does not help.
    assert.deepEqual(errorsOf(r, 'admin', 'app'), ['TLSError/SecretNotValid']);
    assert.deepEqual(r.dag.httpsVirtualHosts, []);
  },
  'cluster-defaults': (r) => {
    // HTTP clusters (HTTPProxy routes, Ingress) get every default, each circuit breaker under the Service's
    // own positive annotation; TCP proxy clusters get only the Service's annotations, as in Contour.
    const byService = Object.fromEntries(r.dag.clusters.map((c) => [c.service.name, c]));
    assert.deepEqual(Object.keys(byService), ['api', 'tcp-plain', 'tcp', 'web']);
    assert.deepEqual(byService.web.circuitBreakers, {
      maxConnections: 500,
      maxPendingRequests: 20,
      maxRetries: 3,
    });
    assert.equal(byService.web.maxRequestsPerConnection, 100);
    assert.equal(byService.api.perConnectionBufferLimitBytes, 32768);
    assert.deepEqual(byService.tcp.circuitBreakers, { perHostMaxConnections: 7 });
    assert.equal(byService.tcp.maxRequestsPerConnection, undefined);
    assert.equal(byService['tcp-plain'].circuitBreakers, undefined);
    // The Ingress and the HTTPProxy share the web cluster.
    assert.deepEqual(clustersOf(routeAt(http(r, 'legacy.example.com'), '/')), [byService.web.name]);
  },
  'upstream-tls-settings': (r) => {
    // TLS clusters carry the client certificate (published once); plaintext ones do not, so rotating it
    // leaves their names alone.
    const client = r.dag.secrets.find((secret) => secret.source.namespace === 'projectcontour');
    assert.ok(client);
    assert.deepEqual(
      r.dag.clusters.map((c) => `${c.service.name}:${c.clientCertificate ?? 'none'}`),
      [`grpc-tls:${client.name}`, `secure-backend:${client.name}`, 'web:none'],
    );
  },
  'client-certificate-missing': (r) => {
    // As Contour: every backend needs the client certificate, whatever its protocol.
    assert.deepEqual(errorsOf(r, 'default', 'www'), ['TLSError/SecretNotValid']);
    assert.deepEqual(errorsOf(r, 'default', 'passthrough'), ['TLSError/SecretNotValid']);
    assert.deepEqual(errorsOf(r, 'default', 'legacy'), ['TLSError/SecretNotValid']);
    assert.deepEqual(r.dag, { httpVirtualHosts: [], httpsVirtualHosts: [], clusters: [], secrets: [] });
  },
  'client-certificate-root-namespaces': (r) => {
    // Contour reads Secrets in the root namespaces and the client certificate's namespace: the client
    // certificate is found, and so is the delegated serving certificate beside it.
    assert.ok(isValid(r, 'admin', 'www'));
    assert.deepEqual(
      r.dag.secrets.map((secret) => secret.source.name),
      ['envoy-client', 'shared-tls'],
    );
  },
  'include-missing-below-first-level': (r) => {
    assert.deepEqual(errorsOf(r, 'default', 'team'), ['IncludeError/IncludeNotFound']);
    const host = http(r, 'root.example.com');
    // The 502 stays inside /team; the root's own /sub route still forwards.
    assert.deepEqual(routeAt(host, '/team/sub').action, { kind: 'directResponse', statusCode: 502 });
    assert.equal(routeAt(host, '/sub').action.kind, 'cluster');
  },
  'ingress-basic': (r) => {
    assert.deepEqual(paths(http(r, 'ingress.example.com')), ['exact:/healthz', 'prefix:/api', 'prefix:/']);
    assert.equal(statusOf(r, 'default', 'site').conditions[0].status, 'True');
  },
  'ingress-and-httpproxy-same-host': (r) => {
    const host = http(r, 'shared.example.com');
    assert.deepEqual(paths(host), ['prefix:/legacy', 'prefix:/v2', 'prefix:/']);
    assert.equal(routeAt(host, '/legacy').source.kind, 'Ingress');
    assert.equal(routeAt(host, '/').source.kind, 'HTTPProxy', 'the HTTPProxy wins the shared path');
  },
  'ingress-class-configured': (r) => {
    assert.deepEqual(
      r.statuses.map((status) => status.name),
      ['annotation-internal', 'contour-annotation-internal', 'spec-internal'],
    );
    assert.equal(http(r, 'unclassed.example.com'), undefined);
  },
  'ingress-class-default': (r) => {
    assert.deepEqual(
      r.statuses.map((status) => status.name),
      ['annotation-contour', 'spec-contour', 'unclassed'],
    );
    assert.equal(http(r, 'spec-internal.example.com'), undefined);
  },
  'ingress-default-backend': (r) => {
    assert.deepEqual(
      r.dag.httpVirtualHosts.map((host) => host.fqdn),
      ['*'],
    );
    assert.deepEqual(clustersOf(routeAt(http(r, '*'), '/')), ['default/web/80/2c1e759f96']);
  },
  'ingress-externalname': (r) => {
    const cluster = r.dag.clusters.find((c) => c.service.name === 'external');
    assert.equal(cluster?.externalName, 'api.example.org');
    assert.equal(cluster?.sni, undefined, 'no SNI for Ingress');
    assert.deepEqual(routeAt(http(r, 'external.example.com'), '/admin').action, {
      kind: 'directResponse',
      statusCode: 503,
    });
    assert.deepEqual(errorsOf(r, 'default', 'external'), ['ServiceError/ServiceUnresolvedReference']);
  },
  'ingress-named-port': (r) => {
    const host = http(r, 'example.com');
    assert.deepEqual(clustersOf(routeAt(host, '/by-name')), clustersOf(routeAt(host, '/')));
    assert.deepEqual(
      r.dag.clusters.map((c) => c.edsName),
      ['default/web/http', 'default/web/metrics'],
    );
  },
  'ingress-path-invalid': (r) => {
    assert.deepEqual(
      errorsOf(r, 'default', 'paths'),
      Array(3).fill('RouteError/PathMatchConditionsNotValid'),
    );
    assert.deepEqual(paths(http(r, 'example.com')), ['prefix:/good']);
  },
  'ingress-path-types': (r) => {
    assert.deepEqual(paths(http(r, 'paths.example.com')), [
      'exact:/healthz',
      'regex:/img/.*[.]png',
      'prefix:/api/v1/users',
      'prefix:/static',
      'prefix:/api',
      'prefix:/',
    ]);
    assert.deepEqual(routeAt(http(r, 'paths.example.com'), '/api').match.path, {
      kind: 'prefix',
      segment: true,
      value: '/api',
    });
    assert.deepEqual(routeAt(http(r, 'paths.example.com'), '/').match.path, {
      kind: 'prefix',
      segment: false,
      value: '/',
    });
    assert.deepEqual(paths(http(r, 'nopath.example.com')), ['prefix:/']);
  },
  'ingress-route-annotations': (r) => {
    const tuned = http(r, 'tuned.example.com');
    assert.deepEqual(routeAt(tuned, '/').retry, {
      numRetries: 3,
      perTryTimeoutMs: 250,
      retriableStatusCodes: [],
      retryOn: ['5xx', 'gateway-error'],
    });
    assert.deepEqual(routeAt(tuned, '/').timeout, { responseMs: 45000 });
    assert.equal(routeAt(tuned, '/ws').websocket, true);
    assert.equal(routeAt(tuned, '/').websocket, false);
    assert.deepEqual(routeAt(http(r, 'untimed.example.com'), '/').timeout, { responseMs: 0 });
    assert.equal(routeAt(http(r, 'garbled.example.com'), '/').timeout, undefined);
    assert.equal(statusOf(r, 'default', 'garbled').conditions[0].warnings?.length, 2);
  },
  'ingress-same-host-two-ingresses': (r) => {
    const host = http(r, 'merged.example.com');
    assert.deepEqual(paths(host), ['prefix:/shared', 'prefix:/api', 'prefix:/']);
    assert.equal(routeAt(host, '/shared').source.name, 'b-second', 'later in namespace/name order wins');
  },
  'ingress-service-missing': (r) => {
    const host = http(r, 'example.com');
    for (const path of ['/wrong-port', '/missing', '/bucket'])
      assert.deepEqual(routeAt(host, path).action, { kind: 'directResponse', statusCode: 503 });
    assert.deepEqual(errorsOf(r, 'default', 'backends').sort(), [
      'ServiceError/BackendNotSupported',
      'ServiceError/ServiceUnresolvedReference',
      'ServiceError/ServiceUnresolvedReference',
    ]);
  },
  'ingress-tls': (r) => {
    assert.equal(https(r, 'a.example.com')?.secret, r.dag.secrets[0]?.name);
    assert.match(r.dag.secrets[0]?.name ?? '', /^default\/ingress-tls\//);
    assert.equal(routeAt(http(r, 'a.example.com'), '/').httpsRedirect, false);
  },
  'ingress-tls-allow-http-false': (r) => {
    assert.equal(http(r, 'secure.example.com'), undefined);
    assert.deepEqual(paths(https(r, 'secure.example.com')), ['prefix:/']);
    assert.deepEqual(
      (statusOf(r, 'default', 'nothing').conditions[0].warnings ?? []).map((w) => `${w.type}/${w.reason}`),
      ['VirtualHostError/HostNotServed'],
    );
    assert.equal(http(r, 'nothing.example.com'), undefined);
  },
  'ingress-tls-cert-namespace': (r) => {
    for (const fqdn of ['annotated.example.com', 'slash.example.com'])
      assert.match(https(r, fqdn)?.secret ?? '', /^certs\/wildcard\//);
    assert.equal(https(r, 'undelegated.example.com'), undefined);
    assert.ok(http(r, 'undelegated.example.com'));
    assert.deepEqual(errorsOf(r, 'other', 'undelegated'), ['TLSError/DelegationNotPermitted']);
  },
  'ingress-tls-delegation-wildcard': (r) =>
    assert.deepEqual(
      r.dag.httpsVirtualHosts.map((host) => `${host.fqdn} ${host.secret?.split('/').slice(0, 2).join('/')}`),
      ['a.example.com certs/wildcard', 'b.example.com certs/wildcard'],
    ),
  'ingress-tls-force-ssl-redirect': (r) => {
    for (const fqdn of ['redirect.example.com', 'strict.example.com']) {
      assert.equal(routeAt(http(r, fqdn), '/').httpsRedirect, true);
      assert.ok(https(r, fqdn));
    }
  },
  'ingress-tls-hosts': (r) => {
    assert.deepEqual(paths(https(r, 'secure.example.com')), ['prefix:/api', 'prefix:/']);
    assert.equal(routeAt(http(r, 'secure.example.com'), '/').httpsRedirect, false);
    assert.equal(https(r, 'plain.example.com'), undefined);
    assert.ok(http(r, 'plain.example.com'));
  },
  'ingress-tls-protocol-versions': (r) => {
    assert.deepEqual(
      r.dag.httpsVirtualHosts.map((host) => `${host.fqdn} ${host.minTlsVersion}-${host.maxTlsVersion}`),
      ['legacy.example.com 1.2-1.2', 'modern.example.com 1.3-1.3'],
    );
    assert.deepEqual(errorsOf(r, 'default', 'inverted'), ['TLSError/TLSVersionNotValid']);
    assert.equal(statusOf(r, 'default', 'legacy').conditions[0].warnings?.[0]?.reason, 'TLSVersionNotValid');
  },
  'ingress-tls-secret-invalid': (r) => {
    assert.equal(r.dag.httpsVirtualHosts.length, 0);
    assert.equal(r.dag.secrets.length, 0);
    for (const name of ['mismatch', 'missing'])
      assert.deepEqual(errorsOf(r, 'default', name), ['TLSError/SecretNotValid']);
    assert.ok(http(r, 'missing.example.com'));
  },
  'ingress-upstream-protocol': (r) =>
    assert.deepEqual(
      r.dag.clusters.map((c) => `${c.service.name}:${c.protocol}`),
      ['app:h2c', 'grpc:h2c', 'h2:h2', 'secure:tls'],
    ),
  'ingress-wildcard-host': (r) => {
    const authority = routeAt(http(r, '*.example.com'), '/').match.headers.find(
      (h) => h.name === ':authority',
    );
    assert.equal(authority?.kind, 'regex');
    const pattern = new RegExp(`${authority?.value ?? ''}$`);
    assert.ok(pattern.test('api2.example.com') && !pattern.test('a.b.example.com'));
    assert.deepEqual(clustersOf(routeAt(http(r, 'api.example.com'), '/')), ['default/api/80/1cbe00a00a']);
  },
  'no-objects': (r) =>
    assert.deepEqual(r, {
      dag: { httpVirtualHosts: [], httpsVirtualHosts: [], clusters: [], secrets: [] },
      statuses: [],
    }),
  ...configScenarioChecks,
  ...translateScenarioChecks,
};

describe('DAG golden scenarios', () => {
  it('every golden scenario has a check here saying what it shows', () => {
    const unchecked = scenarioNames().filter((name) => !(name in checks));
    assert.deepEqual(unchecked, [], 'scenarios without a check in test/dag/scenarios.test.ts');
    const stale = Object.keys(checks).filter((name) => !scenarioNames().includes(name));
    assert.deepEqual(stale, [], 'checks for scenarios that do not exist');
  });

  for (const [name, check] of Object.entries(checks)) {
    it(name, () => {
      const scenario = loadScenario(name);
      const result = buildDag(scenario.store, scenario.options);
      check(result, scenario);
      // Every object the build rejected has a status that says why.
      for (const status of result.statuses) {
        const condition = status.conditions[0];
        if (condition.status === 'False')
          assert.ok((condition.errors ?? []).length > 0, `${status.name} has errors`);
      }
    });
  }
});
