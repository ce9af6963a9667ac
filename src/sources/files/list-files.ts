// Finding manifest files in a directory tree.
import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';

const manifestExtensions = new Set(['.yaml', '.yml', '.json']);

/** Lists .yaml, .yml and .json files under a directory, recursively, sorted; hidden entries are skipped. */
export const listManifestFiles = async (directory: string): Promise<string[]> => {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue; // editors' swap files, .git
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && manifestExtensions.has(extname(entry.name).toLowerCase())) files.push(path);
    }
  };
  await walk(directory);
  return files.sort();
};
