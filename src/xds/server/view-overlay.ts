// A view built as "the accepted view, with these names changed": planning one changed cluster for a
// stream that holds 10,000 must not copy 10,000 entries. Reads are O(1); iteration walks the base.
import type { View, ViewItem } from './type-state.js';

/** Per name: the new item, or undefined for a name dropped from the view. */
export type ViewPatch = ReadonlyMap<string, ViewItem | undefined>;

// A class rather than an object of closures: one is made per planned response on every stream, and
// its methods are shared by all of them.
class OverlayView implements ReadonlyMap<string, ViewItem> {
  private cachedSize: number | undefined;

  constructor(
    readonly base: View,
    readonly patch: ViewPatch,
  ) {}

  get(name: string): ViewItem | undefined {
    return this.patch.has(name) ? this.patch.get(name) : this.base.get(name);
  }

  has(name: string): boolean {
    return this.patch.has(name) ? this.patch.get(name) !== undefined : this.base.has(name);
  }

  get size(): number {
    if (this.cachedSize === undefined) {
      let size = this.base.size;
      for (const [name, item] of this.patch) size += (item ? 1 : 0) - (this.base.has(name) ? 1 : 0);
      this.cachedSize = size;
    }
    return this.cachedSize;
  }

  *entries(): MapIterator<[string, ViewItem]> {
    for (const entry of this.base) if (!this.patch.has(entry[0])) yield entry;
    for (const [name, item] of this.patch) if (item) yield [name, item];
  }

  *keys(): MapIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): MapIterator<ViewItem> {
    for (const [, item] of this.entries()) yield item;
  }

  forEach(callback: (item: ViewItem, name: string, view: ReadonlyMap<string, ViewItem>) => void): void {
    for (const [name, item] of this.entries()) callback(item, name, this);
  }

  [Symbol.iterator](): MapIterator<[string, ViewItem]> {
    return this.entries();
  }
}

/** Whether a view is an overlay (so an ACK can apply its patch to the base in place). */
export const isOverlay = (view: View): view is OverlayView => view instanceof OverlayView;

/** The view `base` with `patch` applied; `base` must not change while the overlay is in use. */
export const overlayView = (base: View, patch: ViewPatch): View =>
  patch.size === 0 ? base : new OverlayView(base, patch);

/** Applies an overlay's patch to its base map in place: the accepted view becomes what was ACKed. */
export const applyPatch = (base: Map<string, ViewItem>, patch: ViewPatch): void => {
  for (const [name, item] of patch) {
    if (item) base.set(name, item);
    else base.delete(name);
  }
};
