// Standalone start-up: `contour serve --manifests DIR` hands DIR's big files to the parser threads
// before the rest of the command loads. Loading the xDS server, Envoy's descriptors and the DAG takes
// most of a second on the main thread, and parsing a big directory takes seconds on the threads; this
// way the two overlap instead of following each other.
// The files source takes an early result only for the same path with the same text, so a file edited
// in between is simply parsed again; anything not started early is parsed as usual.
import { relative } from 'node:path';
import type { Logger } from '../../util/logger.js';
import {
  documentCountProblem,
  manifestFileLimitsOf,
  readBounded,
  type ManifestFileLimits,
} from './file-limits.js';
import { listManifestFiles } from './list-files.js';
import { createParsePool, inlineBelowBytes, type ParsedFile, type ParsePool } from './parse-pool.js';

interface EarlyResult {
  text: string;
  parsed: Promise<ParsedFile>;
}

const started = new Map<string, EarlyResult>();
let pool: ParsePool | undefined;

/** The name a file's errors carry: its path relative to the directory (as the files source names it). */
export const displayName = (directory: string, path: string): string => relative(directory, path) || path;

/**
 * Reads DIR's manifest files and posts the big ones to parser threads; resolves once all are posted.
 * A file past a limit is left to the files source, which refuses and reports it.
 */
export const startEarlyParse = async (
  directory: string,
  logger: Logger,
  fileLimits?: Partial<ManifestFileLimits>,
): Promise<void> => {
  const limits = manifestFileLimitsOf(fileLimits);
  try {
    const paths = await listManifestFiles(directory);
    for (const path of paths) {
      const read = await readBounded(path, limits.maxFileBytes).catch(() => undefined);
      if (!read || 'tooBig' in read || read.content.length < inlineBelowBytes) continue;
      const text = read.content.toString('utf8');
      if (documentCountProblem(text, limits)) continue;
      pool ??= createParsePool(logger);
      const parsed = pool.parse(displayName(directory, path), text);
      // Taken or not, a failure here must not surface as an unhandled rejection.
      parsed.catch(() => undefined);
      started.set(path, { text, parsed });
    }
  } catch {
    // A missing or unreadable directory: the files source reports it when it starts.
  }
};

/** The early result for `path`, if one was started for exactly this text (each is taken once). */
export const takeEarlyParse = (path: string, text: string): Promise<ParsedFile> | undefined => {
  const early = started.get(path);
  if (early === undefined) return undefined;
  started.delete(path);
  return early.text === text ? early.parsed : undefined;
};

/** Drops what was not taken and ends the early threads (after the first scan). */
export const endEarlyParse = async (): Promise<void> => {
  started.clear();
  const ending = pool;
  pool = undefined;
  await ending?.idle();
};
