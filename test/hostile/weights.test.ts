// Issue 13, item 7: weights whose sum passes uint32 ([4294967295, 4294967295]) were each clamped but
// not their sum, and Envoy rejected the whole ingress_http route config. Weights are now scaled down
// together so the sum fits; the proportions are kept.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { toJson } from '@bufbuild/protobuf';
import { fitWeights } from '../../src/envoy/weights.js';
import { translate, defaultTranslateOptions } from '../../src/assemble/translate.js';
import { RouteConfigurationSchema } from '../../src/gen/envoy/config/route/v3/route_pb.js';
import { rootProxyYaml, storeFromYaml, serviceYaml, tlsSecretYaml } from '../dag/fixtures.js';
import { buildDag, defaultBuildOptions } from '../../src/dag/build.js';

const maxUint32 = 4294967295;

describe('weights that sum past uint32', () => {
  it('fits any weights: sum within uint32, positive stays positive, order kept, fitting input unchanged', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.nat(), fc.constant(maxUint32), fc.double({ noNaN: true })), { maxLength: 40 }),
        (weights) => {
          const fitted = fitWeights(weights);
          const clamped = weights.map((weight) =>
            Number.isFinite(weight)
              ? Math.min(maxUint32, Math.max(0, Math.trunc(weight)))
              : weight > 0
                ? maxUint32
                : 0,
          );
          assert.ok(fitted.reduce((sum, weight) => sum + weight, 0) <= maxUint32);
          fitted.forEach((weight, index) => {
            assert.ok(Number.isInteger(weight) && weight >= 0);
            assert.equal(weight > 0, clamped[index] > 0);
            for (let other = 0; other < fitted.length; other++) {
              if (clamped[index] > clamped[other]) assert.ok(weight >= fitted[other]);
            }
          });
          if (clamped.reduce((sum, weight) => sum + weight, 0) <= maxUint32)
            assert.deepEqual(fitted, clamped);
        },
      ),
    );
  });

  it('serves a route weighted [4294967295, 4294967295] with a sum Envoy accepts, split evenly', () => {
    const store = storeFromYaml(
      rootProxyYaml(
        `  routes:
  - services: [{name: a, port: 80, weight: 4294967295}, {name: b, port: 80, weight: 4294967295}]
`,
        `${serviceYaml('default', 'a', '80')}
---
${serviceYaml('default', 'b', '80')}
---
${tlsSecretYaml('default', 'cert')}`,
      ),
    );
    const { dag } = buildDag(store, defaultBuildOptions);
    const resources = translate(dag, store, defaultTranslateOptions);
    const config = resources.routes.find((route) => route.name === 'ingress_http')!;
    const json = JSON.stringify(toJson(RouteConfigurationSchema, config));
    const weights = [...json.matchAll(/"weight":(\d+)/g)].map((match) => Number(match[1]));
    assert.equal(weights.length, 2);
    assert.ok(weights[0] + weights[1] <= maxUint32, `sum ${weights[0] + weights[1]}`);
    assert.equal(weights[0], weights[1]);
  });
});
