// The contract between a source (files, Kubernetes) and the event loop.
import type { StoreEvent } from '../store/store.js';

/** Where a source stands; /readyz reports it per source. */
export type SourceState = 'starting' | 'syncing' | 'synced' | 'stale';

/** A problem in a source's input (a file, a document in it) that keeps it from being served as written. */
export interface SourceProblem {
  file: string;
  /** 0-based document index; absent when the whole file (or a directory) is at fault. */
  document?: number;
  /** 1-based line, where known. */
  line?: number;
  message: string;
}

/** What the event loop gives a source to deliver into. */
export interface SourceSink {
  /** Delivers a batch of changes; applied to the store synchronously. */
  apply(events: StoreEvent[]): void;
  /** The initial list has been delivered through apply(): the source is synced. Call once. */
  synced(): void;
  /** The source lost (true) or regained (false) its backing store after syncing. */
  stale(isStale: boolean): void;
  /** Replaces the source's current input problems (none: an empty list); /readyz and /debug show them. */
  problems?(problems: readonly SourceProblem[]): void;
}

/** A producer of object events. */
export interface Source {
  /** Short name used in /readyz ("files", "kubernetes"). */
  readonly name: string;
  /** Starts delivering events into the sink; resolves once started (not once synced). */
  start(sink: SourceSink): Promise<void>;
  /** Stops watching; no events are delivered after it resolves. */
  stop(): Promise<void>;
}
