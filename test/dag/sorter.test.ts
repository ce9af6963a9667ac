// Table tests for route ordering (Contour's internal/sorter semantics, as a total order).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compareHeaderMatches, compareQueryParamMatches, compareRouteMatches } from '../../src/dag/sorter.js';
import type { HeaderMatch, PathMatch, QueryParamMatch, RouteMatch } from '../../src/dag/types.js';

const prefix = (value: string, segment = false): PathMatch => ({ kind: 'prefix', value, segment });
const exact = (value: string): PathMatch => ({ kind: 'exact', value });
const regex = (value: string): PathMatch => ({ kind: 'regex', value });
const header = (name: string, kind: HeaderMatch['kind'], value?: string, invert = false): HeaderMatch => ({
  name,
  kind,
  value,
  invert,
  ignoreCase: false,
  treatMissingAsEmpty: false,
});
const query = (
  name: string,
  kind: QueryParamMatch['kind'],
  value?: string,
  ignoreCase = false,
): QueryParamMatch => ({
  name,
  kind,
  value,
  ignoreCase,
});
const match = (
  path: PathMatch,
  headers: HeaderMatch[] = [],
  queryParams: QueryParamMatch[] = [],
): RouteMatch => ({
  path,
  headers,
  queryParams,
});

const describeMatch = (m: RouteMatch): string =>
  `${m.path.kind}:${m.path.value}${m.headers.map((h) => ` h(${h.name} ${h.invert ? 'not' : ''}${h.kind} ${h.value ?? ''})`).join('')}${m.queryParams.map((q) => ` q(${q.name} ${q.kind} ${q.value ?? ''})`).join('')}`;

// Each row lists matches in the order Contour serves them; the test sorts every rotation of the row.
const routeOrderTable: { name: string; expected: RouteMatch[] }[] = [
  {
    name: 'exact before regex before prefix',
    expected: [match(exact('/a')), match(regex('/a.*')), match(prefix('/a'))],
  },
  {
    name: 'longer prefixes first',
    expected: [
      match(prefix('/api/v1/')),
      match(prefix('/api/v1')),
      match(prefix('/api')),
      match(prefix('/')),
    ],
  },
  {
    name: 'equal-length prefixes: lexically greater first',
    expected: [match(prefix('/bbb')), match(prefix('/abc')), match(prefix('/aaa'))],
  },
  {
    name: 'segment prefix before string prefix of the same value',
    expected: [match(prefix('/foo', true)), match(prefix('/foo', false))],
  },
  {
    name: 'longer regexes first, then lexically greater',
    expected: [match(regex('/abc.*')), match(regex('/b.*')), match(regex('/a.*'))],
  },
  {
    name: 'exact paths: lexically greater first regardless of length',
    expected: [match(exact('/b')), match(exact('/aaaa'))],
  },
  {
    name: 'method match first, then more headers, then more query params',
    expected: [
      match(prefix('/'), [header(':method', 'exact', 'GET')]),
      match(prefix('/'), [header('x-a', 'exact', '1'), header('x-b', 'present')]),
      match(prefix('/'), [header('x-a', 'exact', '1')], [query('q', 'exact', '1'), query('r', 'present')]),
      match(prefix('/'), [header('x-a', 'exact', '1')], [query('q', 'exact', '1')]),
      match(prefix('/'), [header('x-a', 'exact', '1')]),
      match(prefix('/')),
    ],
  },
  {
    name: 'same header count: exact < regex < contains < present, by name first',
    expected: [
      match(prefix('/'), [header('x-a', 'exact', '1')]),
      match(prefix('/'), [header('x-a', 'regex', '.*')]),
      match(prefix('/'), [header('x-a', 'contains', 'z')]),
      match(prefix('/'), [header('x-a', 'present')]),
      match(prefix('/'), [header('x-a', 'present', undefined, true)]),
      match(prefix('/'), [header('x-b', 'exact', '1')]),
    ],
  },
  {
    name: 'same query count: exact < regex < prefix < suffix < contains < present',
    expected: [
      match(prefix('/'), [], [query('q', 'exact', 'v')]),
      match(prefix('/'), [], [query('q', 'regex', 'v')]),
      match(prefix('/'), [], [query('q', 'prefix', 'v')]),
      match(prefix('/'), [], [query('q', 'suffix', 'v')]),
      match(prefix('/'), [], [query('q', 'contains', 'v')]),
      match(prefix('/'), [], [query('q', 'present')]),
    ],
  },
];

describe('route sorter', () => {
  for (const row of routeOrderTable) {
    it(row.name, () => {
      for (let rotation = 0; rotation < row.expected.length; rotation++) {
        const input = [...row.expected.slice(rotation), ...row.expected.slice(0, rotation)].reverse();
        const sorted = [...input].sort(compareRouteMatches);
        assert.deepEqual(sorted.map(describeMatch), row.expected.map(describeMatch));
      }
    });
  }

  it('is antisymmetric and reflexive over the whole table', () => {
    const all = routeOrderTable.flatMap((row) => row.expected);
    for (const a of all) {
      assert.equal(compareRouteMatches(a, a), 0);
      for (const b of all) {
        if (a === b) continue;
        assert.equal(
          Math.sign(compareRouteMatches(a, b)) + Math.sign(compareRouteMatches(b, a)),
          0,
          `${describeMatch(a)} vs ${describeMatch(b)}`,
        );
      }
    }
  });
});

describe('header and query condition order', () => {
  it('orders headers by name, kind, value, then non-inverted first', () => {
    const expected = [
      header('a', 'exact', '1'),
      header('a', 'exact', '2'),
      header('a', 'exact', '2', true),
      header('a', 'present'),
      header('b', 'regex', 'x'),
    ];
    assert.deepEqual([...expected].reverse().sort(compareHeaderMatches), expected);
  });

  it('orders query params by name, kind, value, then case-sensitive first', () => {
    const expected = [
      query('a', 'exact', 'v'),
      query('a', 'exact', 'v', true),
      query('a', 'suffix', 'v'),
      query('b', 'present'),
    ];
    assert.deepEqual([...expected].reverse().sort(compareQueryParamMatches), expected);
  });
});
