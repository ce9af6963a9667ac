// What a store serves of the Services that files-source tests write.
import type { Store } from '../../src/store/store.js';

/** Service name → its first port, sorted by name. */
export const servedServicePorts = (store: Store): Record<string, number> =>
  Object.fromEntries(
    store
      .list('Service')
      .map((object): [string, number] => [
        object.metadata.name,
        (object.spec as { ports: { port: number }[] }).ports[0].port,
      ])
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
