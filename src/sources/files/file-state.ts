// What one manifest file contributes, and how a new read of it changes that. A file is known by the
// hash of its content, never by its timestamps (they are coarse, and a rename keeps them); a version
// that fails to read or parse keeps serving the objects of the file's last valid version.
import { createHash } from 'node:crypto';
import { isWatchedKind, objectKey, refOf, type KubeObject } from '../../apis/meta.js';
import type { Logger } from '../../util/logger.js';
import {
  documentCountProblem,
  fileSizeProblem,
  readBounded,
  type ManifestFileLimits,
} from './file-limits.js';
import { describeManifestError, type ManifestError, type ParsedManifest } from './parse.js';

/** What one file contributes at its last read. */
export interface FileState {
  /** Hash of the content last read; undefined when the file could not be read. */
  hash?: string;
  /** The objects the file serves now, by object key (watched kinds only). */
  served: ReadonlyMap<string, KubeObject>;
  /** The objects of its last version read without any error: what a broken version keeps serving. */
  lastGood?: ReadonlyMap<string, KubeObject>;
  errors: ManifestError[];
}

/** The outcome of reading a file again: its new state (the same object when nothing changed), or gone. */
export type FileRead = { state: FileState } | { gone: true } | { notAFile: true };

/** Parses a file's text (inline or on a parser thread). */
export type ParseText = (name: string, path: string, text: string) => Promise<ParsedManifest>;

const codeOf = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

/** The watched objects of a parsed file, by key (a key defined twice in one file: the later wins). */
const servedObjects = (objects: KubeObject[], name: string, logger: Logger): Map<string, KubeObject> => {
  const served = new Map<string, KubeObject>();
  for (const object of objects) {
    if (!isWatchedKind(object.kind)) {
      logger.debug(
        { kind: object.kind, name: object.metadata.name, file: name },
        'ignoring unsupported kind',
      );
      continue;
    }
    served.set(objectKey(refOf(object)), object);
  }
  return served;
};

/**
 * The state of a file that cannot be taken as it is (unreadable, or past a limit): the problem, reported
 * for this file alone, and what it served before. `hash` is set when the content was read.
 */
const refused = (
  name: string,
  message: string,
  previous: FileState | undefined,
  logger: Logger,
  hash?: string,
): FileState => {
  if (previous && previous.hash === hash && previous.errors[0]?.message === message) return previous;
  logger.warn({ file: name, error: message }, 'manifest file refused; it keeps serving its last objects');
  return {
    ...(hash === undefined ? {} : { hash }),
    served: previous?.lastGood ?? previous?.served ?? new Map(),
    lastGood: previous?.lastGood,
    errors: [{ file: name, message }],
  };
};

/** Reads `path` (shown as `name`) again and returns its new state given the previous one. */
export const readManifestFile = async (
  path: string,
  name: string,
  previous: FileState | undefined,
  parse: ParseText,
  logger: Logger,
  limits: ManifestFileLimits,
): Promise<FileRead> => {
  let content: Buffer;
  try {
    const read = await readBounded(path, limits.maxFileBytes);
    // Past the size limit: not read (a stat, or a read stopped one byte past the limit).
    if ('tooBig' in read)
      return { state: refused(name, fileSizeProblem(read.tooBig, limits), previous, logger) };
    content = read.content;
  } catch (error) {
    const code = codeOf(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return { gone: true };
    if (code === 'EISDIR') return { notAFile: true };
    // Unreadable (permissions, a link loop): reported for this file alone, which keeps what it served.
    return {
      state: refused(name, `cannot read file: ${code ?? (error as Error).message}`, previous, logger),
    };
  }
  const hash = createHash('sha256').update(content).digest('base64');
  if (previous?.hash === hash) return { state: previous };
  const text = content.toString('utf8');
  const tooMany = documentCountProblem(text, limits);
  if (tooMany) return { state: refused(name, tooMany, previous, logger, hash) };
  const { objects, errors } = await parse(name, path, text);
  const current = servedObjects(objects, name, logger);
  if (errors.length === 0) {
    if (previous && previous.errors.length > 0) logger.info({ file: name }, 'manifest file is valid again');
    return { state: { hash, served: current, lastGood: current, errors } };
  }
  const keeping = previous?.lastGood !== undefined;
  for (const error of errors)
    logger.warn(
      { file: error.file, document: error.document, line: error.line, error: error.message },
      keeping
        ? `manifest rejected, the file keeps serving its last valid version: ${describeManifestError(error)}`
        : `malformed manifest document skipped: ${describeManifestError(error)}`,
    );
  // Never valid before: its valid documents are the best there is.
  return { state: { hash, served: previous?.lastGood ?? current, lastGood: previous?.lastGood, errors } };
};
