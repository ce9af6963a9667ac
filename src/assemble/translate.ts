// The translate step as its consumers outside the event loop see it (`contour translate`, golden
// files, the proto corpus): the same assembler `serve` runs, published into a snapshot cache, and read
// back from the bytes a client is sent.
import type { BuildOptions, BuildResult } from '../dag/build.js';
import type { Dag } from '../dag/types.js';
import type { TranslateOptions } from '../envoy/options.js';
import type { EnvoyResources, ResourceType } from '../envoy/resources.js';
import type { StoreView } from '../store/store.js';
import { createSnapshotCache, type SnapshotCache } from '../xds/cache/snapshot-cache.js';
import { assembleDag, type EncodedResources, type Rejection } from './assembler.js';
import { assembleStore } from './incremental-engine.js';

export { defaultTranslateOptions, type TranslateOptions } from '../envoy/options.js';

/** What a translation publishes: the snapshot, its messages as clients decode them, what was withheld. */
export interface Translation {
  snapshot: SnapshotCache;
  /** Every published resource, decoded from the bytes a client receives, each list sorted by name. */
  messages: EnvoyResources;
  rejections: Rejection[];
}

const messagesOf = (snapshot: SnapshotCache): EnvoyResources => {
  const list = <T>(type: ResourceType): T[] =>
    [...snapshot.resources(type).values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((entry) => entry.message as T);
  return {
    listeners: list('listener'),
    routes: list('route'),
    clusters: list('cluster'),
    endpoints: list('endpoint'),
    secrets: list('secret'),
    runtimes: list('runtime'),
  };
};

const publish = (resources: EncodedResources, rejections: Rejection[]): Translation => {
  const snapshot = createSnapshotCache();
  snapshot.publish(resources);
  return { snapshot, messages: messagesOf(snapshot), rejections };
};

/** Translates a DAG (the translate seam): endpoints come from the store's EndpointSlices. */
export const translateDag = (dag: Dag, store: StoreView, options: TranslateOptions): Translation => {
  const { resources, rejections } = assembleDag(dag, store, options);
  return publish(resources, rejections);
};

/** Builds a store's objects from scratch and translates the DAG, rejections in the statuses. */
export const translateStore = (
  store: StoreView,
  buildOptions: BuildOptions,
  translateOptions: TranslateOptions,
): Translation & { build: BuildResult } => {
  const { result, resources, rejections } = assembleStore(store, buildOptions, translateOptions);
  return { ...publish(resources, rejections), build: result };
};

/** Translates a DAG into the Envoy messages a client receives (what withheld resources leave). */
export const translate = (dag: Dag, store: StoreView, options: TranslateOptions): EnvoyResources =>
  translateDag(dag, store, options).messages;

/** The snapshot as `contour translate --stage envoy` prints it, and as the golden files hold it. */
export const snapshotText = (snapshot: SnapshotCache): string =>
  JSON.stringify(snapshot.toJson({ includeSecrets: true }), null, 2) + '\n';
