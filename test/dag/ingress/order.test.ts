// Property: the Ingress processor's output (DAG and diagnostics) does not depend on the order in which
// objects reach the store, and it never throws on arbitrary generated Ingresses.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Ingress, IngressBackend } from '../../../src/apis/kubernetes.js';
import type { KubeObject } from '../../../src/apis/meta.js';
import { backend, buildIngresses, ingress, service, tlsSecret } from './fixtures.js';

const namespaces = ['apps', 'default'];
const hosts = ['', 'example.com', 'www.example.com', '*.example.com', 'Bad_Host'];
const paths = ['', '/', '/api', '/api/', '/api/v[0-9]+', '/static', '/x?y', 'relative'];
const pathTypes = ['Prefix', 'Exact', 'ImplementationSpecific'] as const;
const serviceNames = ['web', 'api', 'missing'];
const annotationChoices: Record<string, string[]> = {
  'ingress.kubernetes.io/force-ssl-redirect': ['true', 'false'],
  'kubernetes.io/ingress.allow-http': ['false', 'true'],
  'kubernetes.io/ingress.class': ['contour', 'nginx'],
  'projectcontour.io/response-timeout': ['10s', 'infinity', 'bogus'],
  'projectcontour.io/retry-on': ['5xx', 'reset,connect-failure'],
  'projectcontour.io/websocket-routes': ['/api', '/'],
  'projectcontour.io/tls-minimum-protocol-version': ['1.3', '1.0'],
  'projectcontour.io/tls-cert-namespace': ['default', 'apps'],
};

const backendArbitrary: fc.Arbitrary<IngressBackend> = fc
  .tuple(fc.constantFrom(...serviceNames), fc.constantFrom<number | string>(80, 'http', 9999))
  .map(([name, port]) => backend(name, port));

const annotationsArbitrary = fc
  .subarray(Object.keys(annotationChoices))
  .chain((keys) =>
    fc.tuple(
      ...keys.map((key) => fc.constantFrom(...annotationChoices[key]).map((value) => [key, value] as const)),
    ),
  )
  .map((entries) => Object.fromEntries(entries));

const ingressArbitrary = (index: number): fc.Arbitrary<Ingress> =>
  fc
    .record({
      namespace: fc.constantFrom(...namespaces),
      annotations: annotationsArbitrary,
      defaultBackend: fc.option(backendArbitrary, { nil: undefined }),
      rules: fc.array(
        fc.record({
          host: fc.constantFrom(...hosts),
          paths: fc.array(
            fc.record({
              path: fc.constantFrom(...paths),
              pathType: fc.constantFrom(...pathTypes),
              backend: backendArbitrary,
            }),
            { minLength: 1, maxLength: 3 },
          ),
        }),
        { maxLength: 3 },
      ),
      tls: fc.array(
        fc.record({
          hosts: fc.subarray(['example.com', 'www.example.com', '*.example.com', '*']),
          secretName: fc.constantFrom('cert', 'other', 'default/cert', 'missing'),
        }),
        { maxLength: 2 },
      ),
    })
    .map(({ namespace, annotations, defaultBackend, rules, tls }) =>
      ingress(
        namespace,
        `ingress-${index}`,
        {
          ...(defaultBackend ? { defaultBackend } : {}),
          rules: rules.map((rule) => ({
            ...(rule.host ? { host: rule.host } : {}),
            http: {
              paths: rule.paths.map((path) => ({ ...path, ...(path.path ? {} : { path: undefined }) })),
            },
          })),
          tls,
        },
        annotations,
      ),
    );

const worldArbitrary: fc.Arbitrary<KubeObject[]> = fc
  .integer({ min: 1, max: 5 })
  .chain((count) => fc.tuple(...Array.from({ length: count }, (_, index) => ingressArbitrary(index))))
  .map((ingresses) => [
    ...namespaces.flatMap((namespace) => [
      service(namespace, 'web'),
      service(namespace, 'api', [{ name: 'http', port: 80, protocol: 'TCP' }], {
        'projectcontour.io/upstream-protocol.h2c': 'http',
      }),
    ]),
    tlsSecret('default', 'cert', 'one'),
    tlsSecret('apps', 'other', 'two'),
    ...ingresses,
  ]);

describe('Ingress processor determinism', () => {
  it('gives byte-identical output for any insertion order', () => {
    fc.assert(
      fc.property(
        worldArbitrary.chain((objects) =>
          fc.tuple(fc.constant(objects), fc.shuffledSubarray(objects, { minLength: objects.length })),
        ),
        ([objects, shuffled]) => {
          const first = buildIngresses(objects);
          const second = buildIngresses(shuffled);
          assert.equal(JSON.stringify(second), JSON.stringify(first));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('never emits an empty virtual host or references a cluster or secret it did not emit', () => {
    fc.assert(
      fc.property(worldArbitrary, (objects) => {
        const { dag } = buildIngresses(objects);
        const clusterNames = new Set(dag.clusters.map((cluster) => cluster.name));
        const secretNames = new Set(dag.secrets.map((secret) => secret.name));
        for (const host of [...dag.httpVirtualHosts, ...dag.httpsVirtualHosts]) {
          assert.ok(host.routes.length > 0);
          for (const route of host.routes) {
            if (route.action.kind === 'cluster') {
              for (const target of route.action.clusters) assert.ok(clusterNames.has(target.cluster));
            }
          }
        }
        for (const host of dag.httpsVirtualHosts) assert.ok(host.secret && secretNames.has(host.secret));
      }),
      { numRuns: 150 },
    );
  });

  it('never throws on arbitrary Ingress specs and annotations, and gives each one a status entry', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.anything(), fc.dictionary(fc.string(), fc.anything())), { maxLength: 4 }),
        (entries) => {
          const objects: KubeObject[] = [
            service('default', 'web'),
            ...entries.map(([spec, annotations], index) => ({
              apiVersion: 'networking.k8s.io/v1',
              kind: 'Ingress',
              metadata: {
                namespace: 'default',
                name: `fuzz-${index}`,
                annotations: annotations as Record<string, string>,
              },
              spec,
            })),
          ];
          const { statuses } = buildIngresses(objects);
          const withStatus = new Set(statuses.map((status) => status.name));
          entries.forEach(([spec, annotations], index) => {
            const classed =
              'projectcontour.io/ingress.class' in annotations ||
              'kubernetes.io/ingress.class' in annotations ||
              (typeof spec === 'object' && spec !== null && 'ingressClassName' in spec);
            // An Ingress without any class is always served, so it always has a status entry.
            if (!classed) assert.ok(withStatus.has(`fuzz-${index}`), `fuzz-${index} has a status`);
          });
          for (const status of statuses) assert.equal(status.kind, 'Ingress');
        },
      ),
      { numRuns: 300 },
    );
  });
});
