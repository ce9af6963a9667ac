// Fuzz-ish tests: random and mutated objects (as manifest files can hold: nothing validated them) never
// make the build throw, and every HTTPProxy ends up with a status that explains any rejection.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildDag, defaultBuildOptions, type BuildResult } from '../../src/dag/build.js';
import type { KubeObject } from '../../src/apis/meta.js';
import { createStore } from '../../src/store/store.js';
import { ingressClassMatches } from '../../src/dag/context.js';
import { baseObjects, proxyWorld } from './arbitraries.js';
import { loadScenario, scenarioNames, type Scenario } from './scenario-loader.js';

// The store is another stage: objects it refuses (it throws on some malformed Secrets, reported to its
// owner) are left out, and only the objects it accepted are expected to have a status.
const build = (candidates: KubeObject[]): { objects: KubeObject[]; result: BuildResult } => {
  const store = createStore();
  const objects: KubeObject[] = [];
  for (const object of candidates) {
    try {
      store.apply({ type: 'upsert', object });
      objects.push(object);
    } catch {
      continue;
    }
  }
  return { objects, result: buildDag(store, { ...defaultBuildOptions, enableExternalNameService: true }) };
};

/** Whether this instance (default options) serves the object's ingress class. */
const servedClass = (object: KubeObject): boolean => {
  const spec: unknown = object.spec;
  const className =
    typeof spec === 'object' && spec !== null
      ? (spec as { ingressClassName?: unknown }).ingressClassName
      : undefined;
  return ingressClassMatches(
    object.metadata.annotations,
    typeof className === 'string' ? className : undefined,
    [],
  );
};

/** Every served HTTPProxy has one status; a False Valid condition always carries at least one error. */
const assertEveryProxyHasStatus = (objects: KubeObject[], result: BuildResult): void => {
  const proxies = new Set(
    objects
      .filter((object) => servedClass(object))
      .filter((object) => object.kind === 'HTTPProxy')
      .map((object) => `${object.metadata.namespace}/${object.metadata.name}`),
  );
  const statuses = result.statuses.filter((status) => status.kind === 'HTTPProxy');
  assert.deepEqual(new Set(statuses.map((status) => `${status.namespace}/${status.name}`)), proxies);
  for (const status of statuses) {
    const valid = status.conditions.find((condition) => condition.type === 'Valid');
    assert.ok(valid, 'has a Valid condition');
    if (valid.status === 'False')
      assert.ok((valid.errors ?? []).length > 0, `${status.name}: rejected without a reason`);
    else assert.equal(status.currentStatus, 'valid');
  }
};

// Objects from the scenarios, to mutate: realistic shapes that reach deep into the build.
const loadable = (name: string): Scenario[] => {
  try {
    return [loadScenario(name)];
  } catch {
    return []; // another stage's scenario this loader cannot read
  }
};
const scenarioObjects: KubeObject[] = scenarioNames()
  .flatMap(loadable)
  .flatMap((scenario) =>
    ['HTTPProxy', 'Service', 'Secret', 'TLSCertificateDelegation'].flatMap((kind) =>
      scenario.store.list(kind),
    ),
  );

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Replaces the value at a random path of a JSON tree (chosen by `choices`) with `replacement`. */
const mutateAt = (value: Json, choices: number[], replacement: Json): Json => {
  if (choices.length === 0 || value === null || typeof value !== 'object') return replacement;
  const [choice, ...rest] = choices;
  if (Array.isArray(value)) {
    if (value.length === 0) return replacement;
    const index = choice % value.length;
    return value.map((item, position) => (position === index ? mutateAt(item, rest, replacement) : item));
  }
  const keys = Object.keys(value);
  if (keys.length === 0) return replacement;
  const key = keys[choice % keys.length];
  return { ...value, [key]: mutateAt(value[key], rest, replacement) };
};

const jsonValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    null,
    true,
    false,
    0,
    -1,
    1e9,
    65536,
    '',
    '/',
    '*',
    '(',
    'a/b',
    '%REQ(x)%',
    '*.x',
    [],
    {},
  ),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
);

const mutatedObject = fc
  .tuple(
    fc.constantFrom(...scenarioObjects),
    fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
    jsonValue,
    fc.boolean(),
  )
  .map(([object, choices, replacement, inSpec]) => {
    const tree = JSON.parse(JSON.stringify(object)) as { [key: string]: Json };
    // Keep the envelope the files source guarantees (kind, metadata.name); mutate anything else.
    const field = inSpec ? 'spec' : object.kind === 'Secret' ? 'data' : 'spec';
    const mutated = { ...tree, [field]: mutateAt(tree[field] ?? {}, choices, replacement) };
    return mutated as unknown as KubeObject;
  });

describe('fuzz: the build never throws and always explains rejections', () => {
  it('survives mutated scenario objects', () => {
    fc.assert(
      fc.property(
        fc.array(mutatedObject, { minLength: 1, maxLength: 6 }),
        fc.subarray(scenarioObjects, { maxLength: 8 }),
        (mutated, others) => {
          const unique = new Map<string, KubeObject>();
          for (const object of [...others, ...mutated])
            unique.set(`${object.kind}/${object.metadata.namespace}/${object.metadata.name}`, object);
          const { objects, result } = build([...unique.values()]);
          assertEveryProxyHasStatus(objects, result);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('survives HTTPProxies whose spec is any JSON at all', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), jsonValue), { maxLength: 4 }),
        (specs) => {
          const objects: KubeObject[] = [
            ...baseObjects(),
            ...specs.map(([name, spec]) => ({
              apiVersion: 'projectcontour.io/v1',
              kind: 'HTTPProxy',
              metadata: { namespace: 'default', name },
              spec,
            })),
          ];
          const unique = new Map(
            objects.map((object) => [
              `${object.kind}/${object.metadata.namespace}/${object.metadata.name}`,
              object,
            ]),
          );
          const { objects: applied, result } = build([...unique.values()]);
          assertEveryProxyHasStatus(applied, result);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives generated worlds of valid-schema proxies a status each', () => {
    fc.assert(
      fc.property(proxyWorld, (proxies) => {
        const { objects, result } = build([...baseObjects(), ...proxies]);
        assertEveryProxyHasStatus(objects, result);
      }),
      { numRuns: 200 },
    );
  });
});
