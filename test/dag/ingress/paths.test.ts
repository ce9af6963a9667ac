// Path types and hosts, with Contour's rules (ingress_processor.go, docs/config/ingress.md).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ingressHostError, ingressPathMatch } from '../../../src/dag/ingress/paths.js';

describe('ingressPathMatch', () => {
  it('makes Prefix paths segment prefixes without trailing slashes', () => {
    assert.deepEqual(ingressPathMatch('/foo/bar', 'Prefix'), {
      match: { kind: 'prefix', value: '/foo/bar', segment: true },
    });
    assert.deepEqual(ingressPathMatch('/foo/', 'Prefix'), {
      match: { kind: 'prefix', value: '/foo', segment: true },
    });
  });

  it('makes the Prefix "/" (and an empty path) a plain string prefix', () => {
    assert.deepEqual(ingressPathMatch('/', 'Prefix'), {
      match: { kind: 'prefix', value: '/', segment: false },
    });
    assert.deepEqual(ingressPathMatch('', 'Prefix'), {
      match: { kind: 'prefix', value: '/', segment: false },
    });
    assert.deepEqual(ingressPathMatch('///', 'Prefix'), {
      match: { kind: 'prefix', value: '/', segment: false },
    });
  });

  it('makes Exact paths exact matches, keeping a trailing slash', () => {
    assert.deepEqual(ingressPathMatch('/foo/', 'Exact'), { match: { kind: 'exact', value: '/foo/' } });
  });

  it('makes ImplementationSpecific paths string prefixes unless they contain ^+*[]%', () => {
    assert.deepEqual(ingressPathMatch('/foo', 'ImplementationSpecific'), {
      match: { kind: 'prefix', value: '/foo', segment: false },
    });
    // "." and "$" are not among Contour's regex markers.
    assert.deepEqual(ingressPathMatch('/a.b$', 'ImplementationSpecific'), {
      match: { kind: 'prefix', value: '/a.b$', segment: false },
    });
    for (const path of ['/foo.*', '/^x', '/a+', '/[ab]', '/100%25']) {
      assert.deepEqual(
        ingressPathMatch(path, 'ImplementationSpecific'),
        { match: { kind: 'regex', value: path } },
        path,
      );
    }
  });

  it('treats a missing path type as ImplementationSpecific', () => {
    assert.deepEqual(ingressPathMatch('/foo.*', ''), { match: { kind: 'regex', value: '/foo.*' } });
    assert.deepEqual(ingressPathMatch('', ''), { match: { kind: 'prefix', value: '/', segment: false } });
  });

  it('rejects regexes RE2 cannot compile', () => {
    const result = ingressPathMatch('/foo[', 'ImplementationSpecific');
    assert.equal(result.match, undefined);
    assert.match(result.error ?? '', /path regex "\/foo\[" is not valid/);
    // Lookahead is valid JavaScript but not RE2.
    assert.match(ingressPathMatch('/(?=a)*', 'ImplementationSpecific').error ?? '', /not valid/);
  });

  it('rejects relative paths, unknown path types, and query or fragment in Prefix/Exact', () => {
    assert.match(ingressPathMatch('foo', 'Prefix').error ?? '', /must be an absolute path/);
    assert.match(ingressPathMatch('/foo', 'Regex').error ?? '', /unsupported path type "Regex"/);
    assert.match(ingressPathMatch('/foo?x=1', 'Prefix').error ?? '', /must not contain/);
    assert.match(ingressPathMatch('/foo#x', 'Exact').error ?? '', /must not contain/);
  });
});

describe('ingressHostError', () => {
  it('accepts DNS names and a leading wildcard label', () => {
    for (const host of ['example.com', 'a-b.example.com', '*.example.com', 'localhost']) {
      assert.equal(ingressHostError(host), undefined, host);
    }
  });

  it('rejects upper case, inner wildcards, empty labels and a bare "*"', () => {
    for (const host of ['Example.com', 'foo.*.com', '*foo.com', 'a..b', '*', 'a b', '-a.com', 'a.com.']) {
      assert.match(ingressHostError(host) ?? '', /not a valid DNS-1123 subdomain/, host);
    }
  });
});
