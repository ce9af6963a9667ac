// Table tests for match-condition validation and merging down include chains.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MatchCondition } from '../../src/apis/httpproxy.js';
import {
  headerConditionsError,
  includeConditionsError,
  includeConditionsKey,
  mergeHeaderConditions,
  mergePathConditions,
  mergeQueryConditions,
  pathConditionsError,
  queryConditionsError,
} from '../../src/dag/conditions.js';

describe('mergePathConditions', () => {
  const table: {
    name: string;
    conditions: MatchCondition[];
    expected: ReturnType<typeof mergePathConditions>;
  }[] = [
    {
      name: 'no conditions is prefix /',
      conditions: [],
      expected: { kind: 'prefix', value: '/', segment: false },
    },
    {
      name: 'prefixes concatenate along the chain',
      conditions: [{ prefix: '/api' }, { prefix: '/v1' }],
      expected: { kind: 'prefix', value: '/api/v1', segment: false },
    },
    {
      name: 'double slashes collapse',
      conditions: [{ prefix: '/api/' }, { prefix: '/v1/' }],
      expected: { kind: 'prefix', value: '/api/v1/', segment: false },
    },
    {
      name: 'an exact leaf makes an exact match of the merged path',
      conditions: [{ prefix: '/api' }, { exact: '/health' }],
      expected: { kind: 'exact', value: '/api/health' },
    },
    {
      name: 'a regex anywhere makes the merged path a regex',
      conditions: [{ prefix: '/api' }, { regex: '/v[0-9]+' }],
      expected: { kind: 'regex', value: '/api/v[0-9]+' },
    },
    {
      name: 'an exact path followed by a header condition stays exact',
      conditions: [{ exact: '/x' }, { header: { name: 'h', present: true } }],
      expected: { kind: 'exact', value: '/x' },
    },
    {
      name: 'header-only conditions keep prefix /',
      conditions: [{ header: { name: 'x', present: true } }],
      expected: { kind: 'prefix', value: '/', segment: false },
    },
  ];
  for (const row of table)
    it(row.name, () => assert.deepEqual(mergePathConditions(row.conditions), row.expected));
});

describe('mergeHeaderConditions and mergeQueryConditions', () => {
  it('maps every header operator and sorts the result', () => {
    const merged = mergeHeaderConditions([
      { header: { name: 'x-notpresent', notpresent: true } },
      { header: { name: 'x-contains', contains: 'a', ignoreCase: true } },
      { header: { name: 'x-notcontains', notcontains: 'b', treatMissingAsEmpty: true } },
      { header: { name: 'x-exact', exact: 'c' } },
      { header: { name: 'x-notexact', notexact: 'd', ignoreCase: true } },
      { header: { name: 'x-present', present: true } },
      { header: { name: 'x-regex', regex: 'e.*' } },
    ]);
    assert.deepEqual(
      merged.map((m) => [m.name, m.kind, m.value ?? null, m.invert, m.ignoreCase, m.treatMissingAsEmpty]),
      [
        ['x-contains', 'contains', 'a', false, true, false],
        ['x-exact', 'exact', 'c', false, false, false],
        ['x-notcontains', 'contains', 'b', true, false, true],
        ['x-notexact', 'exact', 'd', true, true, false],
        ['x-notpresent', 'present', null, true, false, false],
        ['x-present', 'present', null, false, false, false],
        ['x-regex', 'regex', 'e.*', false, false, false],
      ],
    );
  });

  it('maps every query operator; regex and present ignore ignoreCase', () => {
    const merged = mergeQueryConditions([
      { queryParameter: { name: 'p', prefix: 'a', ignoreCase: true } },
      { queryParameter: { name: 'e', exact: 'b' } },
      { queryParameter: { name: 's', suffix: 'c' } },
      { queryParameter: { name: 'r', regex: 'd+', ignoreCase: true } },
      { queryParameter: { name: 'c', contains: 'e' } },
      { queryParameter: { name: 'x', present: true, ignoreCase: true } },
    ]);
    assert.deepEqual(
      merged.map((m) => [m.name, m.kind, m.value ?? null, m.ignoreCase]),
      [
        ['c', 'contains', 'e', false],
        ['e', 'exact', 'b', false],
        ['p', 'prefix', 'a', true],
        ['r', 'regex', 'd+', false],
        ['s', 'suffix', 'c', false],
        ['x', 'present', null, false],
      ],
    );
  });
});

describe('condition validation', () => {
  const table: {
    name: string;
    check: (c: MatchCondition[]) => string | undefined;
    conditions: MatchCondition[];
    error?: RegExp;
  }[] = [
    { name: 'one prefix is fine', check: pathConditionsError, conditions: [{ prefix: '/a' }] },
    {
      name: 'prefix must start with /',
      check: pathConditionsError,
      conditions: [{ prefix: 'a' }],
      error: /must start with \//,
    },
    {
      name: 'two path conditions in one block',
      check: pathConditionsError,
      conditions: [{ prefix: '/a' }, { exact: '/b' }],
      error: /more than one prefix, exact or regex/,
    },
    {
      name: 'RE2 rejects lookahead',
      check: pathConditionsError,
      conditions: [{ regex: '/(?=a)' }],
      error: /invalid/,
    },
    { name: 'valid RE2 regex', check: pathConditionsError, conditions: [{ regex: '/a[0-9]+' }] },
    {
      name: 'exact not allowed on includes',
      check: includeConditionsError,
      conditions: [{ exact: '/a' }],
      error: /exact conditions are not allowed/,
    },
    {
      name: 'regex not allowed on includes',
      check: includeConditionsError,
      conditions: [{ regex: '/a' }],
      error: /regex conditions are not allowed/,
    },
    {
      name: 'present and notpresent contradict',
      check: headerConditionsError,
      conditions: [{ header: { name: 'X-A', present: true } }, { header: { name: 'x-a', notpresent: true } }],
      error: /contradictory 'present' and 'notpresent'/,
    },
    {
      name: 'duplicate exact header',
      check: headerConditionsError,
      conditions: [{ header: { name: 'x', exact: '1' } }, { header: { name: 'X', exact: '2' } }],
      error: /duplicate header 'exact match'/,
    },
    {
      name: 'exact and notexact of the same value contradict',
      check: headerConditionsError,
      conditions: [{ header: { name: 'x', notexact: '1' } }, { header: { name: 'x', exact: '1' } }],
      error: /contradictory 'exact' and 'notexact'/,
    },
    {
      name: 'contains and notcontains of the same value contradict',
      check: headerConditionsError,
      conditions: [{ header: { name: 'x', contains: '1' } }, { header: { name: 'x', notcontains: '1' } }],
      error: /contradictory 'contains' and 'notcontains'/,
    },
    {
      name: 'invalid header regex',
      check: headerConditionsError,
      conditions: [{ header: { name: 'x', regex: '(' } }],
      error: /invalid regular expression/,
    },
    {
      name: 'query condition without operator',
      check: queryConditionsError,
      conditions: [{ queryParameter: { name: 'q' } }],
      error: /at least one query parameter condition/,
    },
    {
      name: 'query condition with two operators',
      check: queryConditionsError,
      conditions: [{ queryParameter: { name: 'q', exact: 'a', prefix: 'b' } }],
      error: /more than one condition/,
    },
    {
      name: 'duplicate exact query parameter',
      check: queryConditionsError,
      conditions: [
        { queryParameter: { name: 'q', exact: 'a' } },
        { queryParameter: { name: 'Q', exact: 'b' } },
      ],
      error: /duplicate query parameter 'exact match'/,
    },
    {
      name: 'query regex is RE2',
      check: queryConditionsError,
      conditions: [{ queryParameter: { name: 'q', regex: '\\1' } }],
      error: /invalid regular expression/,
    },
  ];
  for (const row of table) {
    it(row.name, () => {
      const error = row.check(row.conditions);
      if (row.error) assert.match(error ?? '', row.error);
      else assert.equal(error, undefined);
    });
  }
});

describe('includeConditionsKey', () => {
  it('treats unconditioned includes as never duplicate', () =>
    assert.equal(includeConditionsKey([]), undefined));
  it('ignores header order when comparing include conditions', () => {
    const a = includeConditionsKey([
      { prefix: '/a' },
      { header: { name: 'x', exact: '1' } },
      { header: { name: 'y', present: true } },
    ]);
    const b = includeConditionsKey([
      { header: { name: 'y', present: true } },
      { prefix: '/a' },
      { header: { name: 'x', exact: '1' } },
    ]);
    assert.equal(a, b);
    assert.notEqual(a, includeConditionsKey([{ prefix: '/b' }]));
  });
});
