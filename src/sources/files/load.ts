// One-shot loading of a manifests directory into a store (for offline commands and tests).
import { relative } from 'node:path';
import { isWatchedKind } from '../../apis/meta.js';
import { createStore, type Store } from '../../store/store.js';
import {
  documentCountProblem,
  fileSizeProblem,
  manifestFileLimitsOf,
  readBounded,
  type ManifestFileLimits,
} from './file-limits.js';
import { listManifestFiles } from './list-files.js';
import { parseManifest, type ManifestError } from './parse.js';

/**
 * Reads every manifest under `directory` into a new store; later files win on duplicate objects. A file
 * past a limit (the `contour serve` defaults unless given) is skipped with an error naming it.
 */
export const loadManifestDirectory = async (
  directory: string,
  fileLimits?: Partial<ManifestFileLimits>,
): Promise<{ store: Store; errors: ManifestError[] }> => {
  const limits = manifestFileLimitsOf(fileLimits);
  const store = createStore();
  const errors: ManifestError[] = [];
  for (const path of await listManifestFiles(directory)) {
    const file = relative(directory, path) || path;
    const read = await readBounded(path, limits.maxFileBytes);
    if ('tooBig' in read) {
      errors.push({ file, message: fileSizeProblem(read.tooBig, limits) });
      continue;
    }
    const text = read.content.toString('utf8');
    const tooMany = documentCountProblem(text, limits);
    if (tooMany) {
      errors.push({ file, message: tooMany });
      continue;
    }
    const parsed = parseManifest(file, text);
    errors.push(...parsed.errors);
    for (const object of parsed.objects)
      if (isWatchedKind(object.kind)) store.apply({ type: 'upsert', object });
  }
  return { store, errors };
};
