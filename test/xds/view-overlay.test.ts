// An overlay view reads, counts and iterates like the map it stands for, and an ACK applies it in place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ViewItem } from '../../src/xds/server/type-state.js';
import { applyPatch, isOverlay, overlayView } from '../../src/xds/server/view-overlay.js';

const item = (version: string): ViewItem => ({ version });

test('an overlay equals its base with the patch applied', () => {
  const base = new Map([
    ['a', item('1')],
    ['b', item('1')],
    ['c', item('1')],
  ]);
  const patch = new Map<string, ViewItem | undefined>([
    ['b', item('2')],
    ['c', undefined],
    ['d', item('1')],
    ['e', undefined],
  ]);
  const view = overlayView(base, patch);
  assert.ok(isOverlay(view));
  const expected = new Map([
    ['a', item('1')],
    ['b', item('2')],
    ['d', item('1')],
  ]);
  assert.equal(view.size, 3);
  assert.deepEqual(new Map(view), expected);
  assert.deepEqual([...view.keys()].sort(), ['a', 'b', 'd']);
  assert.deepEqual([...view.values()].map((v) => v.version).sort(), ['1', '1', '2']);
  assert.equal(view.get('c'), undefined);
  assert.equal(view.has('c'), false);
  assert.equal(view.has('e'), false);
  assert.equal(view.get('b')?.version, '2');
  const seen: string[] = [];
  view.forEach((_, name) => seen.push(name));
  assert.deepEqual(seen.sort(), ['a', 'b', 'd']);

  applyPatch(base, patch);
  assert.deepEqual(base, expected);
});

test('an empty patch is the base itself', () => {
  const base = new Map([['a', item('1')]]);
  assert.equal(overlayView(base, new Map()), base);
});
