// One-shot loading of a manifests directory into a store (for offline commands and tests).
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { isWatchedKind } from '../../apis/meta.js';
import { createStore, type Store } from '../../store/store.js';
import { listManifestFiles } from './list-files.js';
import { parseManifest, type ManifestError } from './parse.js';

/** Reads every manifest under `directory` into a new store; later files win on duplicate objects. */
export const loadManifestDirectory = async (
  directory: string,
): Promise<{ store: Store; errors: ManifestError[] }> => {
  const store = createStore();
  const errors: ManifestError[] = [];
  for (const path of await listManifestFiles(directory)) {
    const parsed = parseManifest(relative(directory, path) || path, await readFile(path, 'utf8'));
    errors.push(...parsed.errors);
    for (const object of parsed.objects)
      if (isWatchedKind(object.kind)) store.apply({ type: 'upsert', object });
  }
  return { store, errors };
};
