// The engine the event loop drives: a DAG build (incremental, or full for reference) followed by the
// one assembler (assembler.ts), which it keeps across builds so that unchanged DAG objects reuse their
// encodings. EDS is kept outside the build: an EndpointSlice event recomputes only the
// ClusterLoadAssignments of its Service. Resources Envoy would reject are withheld and become status
// errors on the objects behind them (rejection-status.ts).
import type { ObjectRef } from '../apis/meta.js';
import { buildDag, type BuildOptions, type BuildResult } from '../dag/build.js';
import { createBuildMemo } from '../dag/build-memo.js';
import { createIncrementalBuilder, type IncrementalStats } from '../dag/incremental.js';
import type { SecretChecks } from '../certs/secret-checks.js';
import type { TranslateOptions } from '../envoy/options.js';
import type { StoreView } from '../store/store.js';
import type { CachedResource } from '../xds/cache/cached-resource.js';
import { createAssembler, type EncodedResources, type EndpointChanges, type Rejection } from './assembler.js';
import { withRejections } from './rejection-status.js';

export type { EncodedResources, EndpointChanges, Rejection } from './assembler.js';

/** What the event loop should do after an event. */
export type ChangeEffect = 'none' | 'build' | 'endpoints';

/** One build: the DAG and statuses (rejections included), and what to publish. */
export interface EngineBuild {
  result: BuildResult;
  resources: EncodedResources;
  /** Resources withheld from Envoy; their objects carry an error in `result.statuses`. */
  rejections: Rejection[];
}

export interface IncrementalEngine {
  /** Records a changed object (after store.apply) and says what it calls for. */
  noteChange(ref: ObjectRef): ChangeEffect;
  /** Builds and assembles, reusing everything the changes since the last build did not touch. */
  build(): EngineBuild;
  /** The current ClusterLoadAssignments (after 'endpoints' changes), sorted by name. */
  endpoints(): CachedResource[];
  /**
   * After 'endpoints' changes: only the assignments of the Services whose slices changed, and the new
   * full list (what endpoints() now returns). Undefined when the list must be rebuilt (clusters changed
   * since the last build): use endpoints() then.
   */
  endpointChanges(): EndpointChanges | undefined;
  lastStats(): IncrementalStats;
}

/** How the engine builds the DAG: incrementally (what `serve` runs) or from scratch every time. */
export type BuildMode = 'incremental' | 'full';

export interface EngineSettings {
  /** Default incremental. */
  mode?: BuildMode;
  /** Secret validations to reuse, primed by the files source's parser threads. Default: the engine's own. */
  secretChecks?: SecretChecks;
}

/** Creates the engine over a store the event loop keeps applying events to. */
export const createIncrementalEngine = (
  store: StoreView,
  buildOptions: BuildOptions,
  translateOptions: TranslateOptions,
  settings: EngineSettings = {},
): IncrementalEngine => {
  const assembler = createAssembler(store, translateOptions);
  // The build's memo lives as long as the engine: owned here, never module state.
  const memo = createBuildMemo(settings.secretChecks);
  const builder =
    (settings.mode ?? 'incremental') === 'incremental'
      ? createIncrementalBuilder(store, buildOptions, memo)
      : {
          noteChange: () => true,
          build: () => buildDag(store, buildOptions, memo),
          lastStats: (): IncrementalStats => ({ unitsRebuilt: 0, units: 0, fullRebuild: true }),
        };
  return {
    noteChange(ref) {
      if (ref.kind === 'EndpointSlice') {
        assembler.noteEndpointSlice(ref);
        return 'endpoints';
      }
      return builder.noteChange(ref) ? 'build' : 'none';
    },
    build() {
      const built = builder.build();
      const { resources, rejections } = assembler.assemble(built.dag);
      return { result: withRejections(built, rejections), resources, rejections };
    },
    endpoints: () => assembler.endpoints(),
    endpointChanges: () => assembler.endpointChanges(),
    lastStats: () => builder.lastStats(),
  };
};

/** Builds and assembles a store once, from scratch: what `contour translate` and the goldens run. */
export const assembleStore = (
  store: StoreView,
  buildOptions: BuildOptions,
  translateOptions: TranslateOptions,
): EngineBuild => createIncrementalEngine(store, buildOptions, translateOptions, { mode: 'full' }).build();
