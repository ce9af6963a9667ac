// A view built as "the accepted view, with these names changed": planning one changed cluster for a
// stream that holds 10,000 must not copy 10,000 entries. Reads are O(1); iteration walks the base.
import type { View, ViewItem } from './type-state.js';

/** Per name: the new item, or undefined for a name dropped from the view. */
export type ViewPatch = ReadonlyMap<string, ViewItem | undefined>;

/** A view equal to `base` with `patch` applied, sharing `base`'s storage. */
export interface OverlayView extends View {
  readonly base: View;
  readonly patch: ViewPatch;
}

/** Whether a view is an overlay (so an ACK can apply its patch to the base in place). */
export const isOverlay = (view: View): view is OverlayView => 'patch' in view && 'base' in view;

/** The view `base` with `patch` applied; `base` must not change while the overlay is in use. */
export const overlayView = (base: View, patch: ViewPatch): View => {
  if (patch.size === 0) return base;
  let size: number | undefined;
  function* entries(): MapIterator<[string, ViewItem]> {
    for (const entry of base) if (!patch.has(entry[0])) yield entry;
    for (const [name, item] of patch) if (item) yield [name, item];
  }
  const view: OverlayView = {
    base,
    patch,
    get: (name) => (patch.has(name) ? patch.get(name) : base.get(name)),
    has: (name) => (patch.has(name) ? patch.get(name) !== undefined : base.has(name)),
    get size() {
      if (size === undefined) {
        size = base.size;
        for (const [name, item] of patch) size += (item ? 1 : 0) - (base.has(name) ? 1 : 0);
      }
      return size;
    },
    entries,
    keys: function* (): MapIterator<string> {
      for (const [name] of entries()) yield name;
    },
    values: function* (): MapIterator<ViewItem> {
      for (const [, item] of entries()) yield item;
    },
    forEach: (callback) => {
      for (const [name, item] of entries()) callback(item, name, view);
    },
    [Symbol.iterator]: entries,
  };
  return view;
};

/** Applies an overlay's patch to its base map in place: the accepted view becomes what was ACKed. */
export const applyPatch = (base: Map<string, ViewItem>, patch: ViewPatch): void => {
  for (const [name, item] of patch) {
    if (item) base.set(name, item);
    else base.delete(name);
  }
};
