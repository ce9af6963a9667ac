// Finding manifest files in a directory tree, the way they are laid out on disk by hand, by deploy tools
// and by Kubernetes ConfigMap volumes (`a.yaml -> ..data/a.yaml`, `..data -> ..2026_12_06_…`).
import { readdir, realpath, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';

const manifestExtensions = new Set(['.yaml', '.yml', '.json']);

/** Whether a file name is a manifest's (.yaml, .yml or .json) and not hidden. */
export const isManifestName = (name: string): boolean =>
  !name.startsWith('.') && manifestExtensions.has(extname(name).toLowerCase());

/** A path under the tree that could not be listed or is not a readable manifest file. */
export interface ListingProblem {
  path: string;
  message: string;
}

/** The manifest files under a directory, sorted, and what could not be looked at. */
export interface ManifestListing {
  files: string[];
  problems: ListingProblem[];
}

const errorText = (error: unknown): string =>
  error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error);

/**
 * Lists the manifest files under `directory`, recursively, following symbolic links to files and
 * directories. Hidden entries (`.git`, editors' swap files, a ConfigMap volume's `..data` and
 * `..<timestamp>` directories) are skipped, so a ConfigMap's files are listed once, by their visible
 * names. A directory reached twice (a link cycle, two links to one place) is walked once. Failing to
 * read `directory` itself throws; anything below it becomes a problem and the walk goes on.
 */
export const listManifestTree = async (directory: string): Promise<ManifestListing> => {
  const files: string[] = [];
  const problems: ListingProblem[] = [];
  const walked = new Set<string>();
  const walk = async (dir: string, isRoot: boolean): Promise<void> => {
    let real: string;
    let entries;
    try {
      real = await realpath(dir);
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isRoot) throw error;
      problems.push({ path: dir, message: `cannot read directory: ${errorText(error)}` });
      return;
    }
    if (walked.has(real)) return;
    walked.add(real);
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      let isDirectory = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          const target = await stat(path);
          isDirectory = target.isDirectory();
          isFile = target.isFile();
        } catch (error) {
          // A dangling link or a loop: worth a word only where a manifest was meant to be.
          if (isManifestName(entry.name))
            problems.push({ path, message: `cannot follow link: ${errorText(error)}` });
          continue;
        }
      }
      if (isDirectory) await walk(path, false);
      else if (isFile && isManifestName(entry.name)) files.push(path);
    }
  };
  await walk(directory, true);
  return { files: files.sort(), problems };
};

/** Lists the manifest files under a directory (see listManifestTree), sorted. */
export const listManifestFiles = async (directory: string): Promise<string[]> =>
  (await listManifestTree(directory)).files;
