// Ingress annotations parsed with Contour's rules (internal/annotation, internal/dag/policy.go).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  httpAllowed,
  nonStringAnnotations,
  numRetriesOf,
  retryPolicyOf,
  timeoutPolicyOf,
  tlsRequired,
  tlsVersionOf,
  websocketPaths,
} from '../../../src/dag/ingress/annotations.js';
import { ingress } from './fixtures.js';

const annotated = (annotations: Record<string, string>) => ingress('default', 'web', {}, annotations);

describe('Ingress annotations', () => {
  it('force-ssl-redirect is on only for exactly "true"', () => {
    assert.equal(tlsRequired(annotated({ 'ingress.kubernetes.io/force-ssl-redirect': 'true' })), true);
    assert.equal(tlsRequired(annotated({ 'ingress.kubernetes.io/force-ssl-redirect': 'True' })), false);
    assert.equal(tlsRequired(annotated({})), false);
  });

  it('allow-http is off only for exactly "false"', () => {
    assert.equal(httpAllowed(annotated({ 'kubernetes.io/ingress.allow-http': 'false' })), false);
    assert.equal(httpAllowed(annotated({ 'kubernetes.io/ingress.allow-http': 'no' })), true);
    assert.equal(httpAllowed(annotated({})), true);
  });

  it('num-retries: -1 disables, 0/1/absent/malformed/other negatives give 1, else the value', () => {
    const retries = (value?: string) =>
      numRetriesOf(annotated(value === undefined ? {} : { 'projectcontour.io/num-retries': value }));
    assert.equal(retries('-1'), 0);
    assert.equal(retries('0'), 1);
    assert.equal(retries('1'), 1);
    assert.equal(retries(), 1);
    assert.equal(retries('three'), 1);
    assert.equal(retries('-7'), 1);
    assert.equal(retries('7'), 7);
    assert.equal(retries('+7'), 7);
    assert.equal(retries('99999999999'), 1);
  });

  it('retry-on makes a retry policy; without it there is none', () => {
    assert.equal(retryPolicyOf(annotated({ 'projectcontour.io/num-retries': '3' })).value, undefined);
    assert.deepEqual(
      retryPolicyOf(
        annotated({
          'projectcontour.io/retry-on': '5xx, gateway-error',
          'projectcontour.io/num-retries': '3',
          'projectcontour.io/per-try-timeout': '150ms',
        }),
      ),
      {
        value: {
          retryOn: ['5xx', 'gateway-error'],
          numRetries: 3,
          perTryTimeoutMs: 150,
          retriableStatusCodes: [],
        },
        problems: [],
      },
    );
  });

  it('an unparsable per-try-timeout is dropped with a warning; infinity is an explicit 0', () => {
    const bad = retryPolicyOf(
      annotated({ 'projectcontour.io/retry-on': '5xx', 'projectcontour.io/per-try-timeout': 'soon' }),
    );
    assert.deepEqual(bad.value, { retryOn: ['5xx'], numRetries: 1, retriableStatusCodes: [] });
    assert.equal(bad.problems.length, 1);
    assert.match(bad.problems[0], /per-try-timeout/);
    const infinite = retryPolicyOf(
      annotated({ 'projectcontour.io/retry-on': '5xx', 'projectcontour.io/per-try-timeout': 'infinity' }),
    );
    assert.equal(infinite.value?.perTryTimeoutMs, 0);
  });

  it('response-timeout: duration, infinity = disabled (0), 0s = default, garbage = default with a warning', () => {
    const timeout = (value: string) =>
      timeoutPolicyOf(annotated({ 'projectcontour.io/response-timeout': value }));
    assert.deepEqual(timeout('1m30s'), { value: { responseMs: 90_000 }, problems: [] });
    assert.deepEqual(timeout('infinity'), { value: { responseMs: 0 }, problems: [] });
    assert.deepEqual(timeout('0s'), { value: undefined, problems: [] });
    const bad = timeout('forever');
    assert.equal(bad.value, undefined);
    assert.match(bad.problems[0], /response-timeout/);
    assert.deepEqual(timeoutPolicyOf(annotated({})), { value: undefined, problems: [] });
  });

  it('falls back to the legacy request-timeout annotation', () => {
    assert.deepEqual(timeoutPolicyOf(annotated({ 'projectcontour.io/request-timeout': '5s' })).value, {
      responseMs: 5000,
    });
    assert.deepEqual(
      timeoutPolicyOf(
        annotated({ 'projectcontour.io/request-timeout': '5s', 'projectcontour.io/response-timeout': '7s' }),
      ).value,
      { responseMs: 7000 },
    );
  });

  it('websocket-routes is a comma separated list of paths', () => {
    assert.deepEqual(
      [...websocketPaths(annotated({ 'projectcontour.io/websocket-routes': ' /ws , /chat,,' }))].sort(),
      ['/chat', '/ws'],
    );
  });

  it('lists known annotations with non-string values (unquoted YAML in manifest files)', () => {
    const object = ingress('default', 'web', {});
    object.metadata.annotations = {
      'kubernetes.io/ingress.allow-http': false,
      'projectcontour.io/num-retries': 3,
      'example.com/unrelated': true,
      'projectcontour.io/retry-on': '5xx',
    } as unknown as Record<string, string>;
    assert.deepEqual(nonStringAnnotations(object), [
      'kubernetes.io/ingress.allow-http',
      'projectcontour.io/num-retries',
    ]);
    // Ignored: an unquoted `false` does not disable plaintext.
    assert.equal(httpAllowed(object), true);
  });

  it('TLS versions accept only 1.2 and 1.3', () => {
    assert.equal(tlsVersionOf('1.3', '1.2'), '1.3');
    assert.equal(tlsVersionOf('1.1', '1.2'), '1.2');
    assert.equal(tlsVersionOf('', '1.3'), '1.3');
  });
});
