// fast-check generators of hostile objects: wrong types, huge sizes, deep and exponential includes,
// backtracking-bait durations and regexes, broken PEM, weights past uint32, malformed metadata. Every
// generated object lives in namespace `hostile` (or uses `hostile-*` names and hosts), so it can never
// legitimately change what the baseline objects of test/fuzz serve.
import fc from 'fast-check';
import type { KubeObject } from '../../src/apis/meta.js';
import { certA, keyA } from '../dag/fixtures.js';

const namespace = 'hostile';
const nameArb = fc.stringMatching(/^h-[a-z0-9]{1,6}$/);
const hostArb = nameArb.map((name) => `${name}.hostile.example.com`);

/** Any JSON-ish value, including the wrong types for every field. */
const junk = fc.oneof(
  { depthSize: 'small' },
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 20 }),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 3 }),
);

/** Strings that make backtracking engines or quadratic scans slow, and a few ordinary ones. */
const hostileText = fc.oneof(
  fc.integer({ min: 20, max: 5000 }).map((n) => `${'ms'.repeat(n)}!`),
  fc.integer({ min: 1000, max: 200_000 }).map((n) => `/${'/'.repeat(n)}x${'/'.repeat(n)}`),
  fc.integer({ min: 100, max: 20_000 }).map((n) => `${'a'.repeat(n)}!`),
  fc.integer({ min: 10, max: 2000 }).map((n) => `${'(a*)*'.repeat(n)}b`),
  fc.constantFrom('1s', 'infinity', '', '-1s', '1x', '[', '(?P<', '\u0000', 'a{1001}'),
  fc.string({ maxLength: 30 }),
);

const metadata = (name: string) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant({ namespace, name }) },
    { weight: 1, arbitrary: junk.map((annotations) => ({ namespace, name, annotations })) },
    { weight: 1, arbitrary: junk.map((labels) => ({ namespace, name, labels })) },
  );

const hostileService = fc.tuple(nameArb, junk, fc.boolean()).chain(([name, ports, withPorts]) =>
  metadata(name).map((meta) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta,
    spec: withPorts ? { ports } : { type: ports },
  })),
);

const hostileEndpointSlice = fc
  .tuple(
    nameArb,
    fc.constantFrom('IPv4', 'IPv6', 'FQDN', 'bogus'),
    fc.oneof(
      junk,
      fc.array(
        fc.record({
          addresses: fc.array(
            fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom('not-an-ip', 'a.example.com', '')),
            {
              maxLength: 3,
            },
          ),
        }),
        { maxLength: 3 },
      ),
    ),
    fc.oneof(
      junk,
      fc.array(fc.record({ name: fc.constantFrom('http', 'x'), port: fc.integer({ min: -5, max: 70000 }) }), {
        maxLength: 2,
      }),
    ),
  )
  .chain(([name, addressType, endpoints, ports]) =>
    metadata(name).map((meta) => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { ...meta, labels: { 'kubernetes.io/service-name': 'web' } },
      addressType,
      endpoints,
      ports,
    })),
  );

const hostilePem = fc.oneof(
  fc.integer({ min: 1000, max: 100_000 }).map((n) => '-----BEGIN CERTIFICATE-----\n'.repeat(n)),
  fc.integer({ min: 2, max: 2000 }).map((n) => certA.repeat(n)),
  fc.constant(certA),
  fc.string({ maxLength: 50 }),
);

const hostileSecret = fc
  .tuple(nameArb, hostilePem, fc.oneof(fc.constant(keyA), fc.string({ maxLength: 20 })), fc.boolean())
  .map(([name, certificate, key, mangleData]) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { namespace, name },
    ...(mangleData
      ? { data: ['not', 'a', 'map'] }
      : { stringData: { 'tls.crt': certificate, 'tls.key': key } }),
  }));

/** A root and a generated include graph below it: chains, diamonds, cycles, of any depth up to 40. */
const hostileIncludeGraph = fc
  .tuple(nameArb, hostArb, fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 3 }), fc.boolean())
  .map(([name, fqdn, depth, fanOut, cycle]) => {
    const child = (level: number) => `${name}-c${level}`;
    const objects: KubeObject[] = [
      {
        apiVersion: 'projectcontour.io/v1',
        kind: 'HTTPProxy',
        metadata: { namespace, name },
        spec: { virtualhost: { fqdn }, includes: [{ name: child(1) }] },
      },
    ];
    for (let level = 1; level <= depth; level++) {
      const next = level === depth ? (cycle ? child(1) : undefined) : child(level + 1);
      objects.push({
        apiVersion: 'projectcontour.io/v1',
        kind: 'HTTPProxy',
        metadata: { namespace, name: child(level) },
        spec: next
          ? {
              includes: Array.from({ length: fanOut }, (_, index) => ({
                name: next,
                conditions: [{ prefix: `/f${index}` }],
              })),
              routes: [{ conditions: [{ prefix: '/own' }], services: [{ name: 'web', port: 80 }] }],
            }
          : { routes: [{ services: [{ name: 'web', port: 80 }] }] },
      });
    }
    return objects;
  });

/** A root HTTPProxy whose route carries hostile durations, regexes, weights and annotations. */
const hostileRoute = fc
  .tuple(
    nameArb,
    hostArb,
    hostileText,
    hostileText,
    fc.array(fc.oneof(fc.constant(4294967295), fc.integer({ min: 0, max: 2 ** 40 }), fc.integer()), {
      minLength: 1,
      maxLength: 3,
    }),
    fc.option(junk, { nil: undefined }),
  )
  .map(([name, fqdn, duration, regex, weights, routeJunk]) => ({
    apiVersion: 'projectcontour.io/v1',
    kind: 'HTTPProxy',
    metadata: { namespace, name, annotations: { 'projectcontour.io/ingress.class': 'contour' } },
    spec: {
      virtualhost: { fqdn },
      routes: [
        {
          conditions: [{ regex: `/${regex}` }],
          timeoutPolicy: { response: duration, idle: duration },
          services: weights.map((weight, index) => ({
            name: index === 0 ? 'web' : `web${index}`,
            port: 80,
            weight,
          })),
          ...(routeJunk === undefined ? {} : { retryPolicy: routeJunk }),
        },
        { conditions: [{ header: { name: 'x-a', regex } }], services: [{ name: 'web', port: 80 }] },
      ],
    },
  }));

const hostileIngress = fc
  .tuple(nameArb, hostileText, junk, fc.boolean())
  .map(([name, path, rules, junkRules]) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { namespace, name, annotations: { 'projectcontour.io/response-timeout': path } },
    spec: junkRules
      ? { rules }
      : {
          rules: [
            {
              host: `${name}.hostile.example.com`,
              http: {
                paths: [
                  {
                    path,
                    pathType: 'ImplementationSpecific',
                    backend: { service: { name: 'web', port: { number: 80 } } },
                  },
                ],
              },
            },
          ],
        },
  }));

/** One hostile batch: a few objects (or one include graph), each named in namespace `hostile`. */
export const hostileBatch: fc.Arbitrary<KubeObject[]> = fc.oneof(
  hostileIncludeGraph,
  fc.array(
    fc.oneof(
      hostileService,
      hostileEndpointSlice,
      hostileSecret,
      hostileRoute,
      hostileIngress,
    ) as fc.Arbitrary<KubeObject>,
    { minLength: 1, maxLength: 4 },
  ),
);

/** Lines a manifest file is made of: document markers (real and look-alike), content, comments, block scalars. */
const manifestLine = fc.constantFrom(
  '---',
  '--- # start',
  '--- x',
  '...',
  '... # end',
  '---x',
  'k: v',
  'k: ---',
  '# comment',
  '',
  '  ',
  'b: |',
  '  ---',
  '  ...',
  '  text',
  '- item',
  '\t',
);

/** The text of a hostile manifest file: many documents (empty ones too), look-alike markers, CRLF. */
export const hostileManifestText: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(fc.array(manifestLine, { maxLength: 40 }), fc.boolean())
    .map(([lines, crlf]) => lines.join(crlf ? '\r\n' : '\n')),
  fc
    .tuple(fc.constantFrom('---\n', '...\n', 'a: 1\n---\n', 'a: 1\n...\n'), fc.integer({ min: 1, max: 2000 }))
    .map(([unit, count]) => unit.repeat(count)),
);
