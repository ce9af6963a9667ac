// Name order for the lists the assembler publishes (plain string order, as the DAG sorts).
import { compareStrings } from '../dag/names.js';

export { compareStrings };

const byName = <T extends { name: string }>(a: T, b: T): number => compareStrings(a.name, b.name);

/**
 * `items` sorted by name without duplicates (the first of equal names kept): the list itself when it
 * already is, which is what the DAG promises. A duplicate would make Envoy reject the whole update.
 */
export const sortedByName = <T extends { name: string }>(items: T[]): T[] => {
  for (let i = 1; i < items.length; i++) {
    if (compareStrings(items[i - 1].name, items[i].name) >= 0) {
      const seen = new Set<string>();
      return items.filter((item) => (seen.has(item.name) ? false : (seen.add(item.name), true))).sort(byName);
    }
  }
  return items;
};
