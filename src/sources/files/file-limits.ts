// Bounds on one manifest file (issue 13): its size and how many YAML documents it holds. A file past
// one is refused like a file that does not parse (it keeps serving its last valid version), and is
// never read whole: its size is known from a stat, and a read stops one byte past the bound.
import { open } from 'node:fs/promises';

/** The bounds on one manifest file. */
export interface ManifestFileLimits {
  /** Largest manifest file, in bytes (`--max-manifest-file-bytes`). */
  maxFileBytes: number;
  /** Most YAML documents in one manifest file (`--max-documents-per-file`). */
  maxDocumentsPerFile: number;
}

/**
 * The defaults: the bench's 10,000-proxy scale set (33,000 objects, ~17 MB of YAML) fits in one file
 * with room to spare, and one file cannot make the parser hold gigabytes.
 */
export const defaultManifestFileLimits: ManifestFileLimits = {
  maxFileBytes: 64 * 1024 * 1024,
  maxDocumentsPerFile: 100_000,
};

/** The bounds a files source uses: the given ones over the defaults. */
export const manifestFileLimitsOf = (limits: Partial<ManifestFileLimits> | undefined): ManifestFileLimits =>
  limits ? { ...defaultManifestFileLimits, ...limits } : defaultManifestFileLimits;

/** Why a file of `bytes` bytes is refused. */
export const fileSizeProblem = (bytes: number, limits: ManifestFileLimits): string =>
  `file is ${bytes} bytes, more than the limit of ${limits.maxFileBytes} (--max-manifest-file-bytes); not read`;

/** Why a file's documents are refused, or undefined when they are within the limit. */
export const documentCountProblem = (text: string, limits: ManifestFileLimits): string | undefined =>
  countDocuments(text, limits.maxDocumentsPerFile) > limits.maxDocumentsPerFile
    ? `file holds more than ${limits.maxDocumentsPerFile} documents (--max-documents-per-file); not parsed`
    : undefined;

const isMarker = (text: string, at: number, marker: '---' | '...'): boolean => {
  if (!text.startsWith(marker, at)) return false;
  const next = text.charCodeAt(at + 3);
  // End of text, space, tab, CR or LF.
  return Number.isNaN(next) || next === 32 || next === 9 || next === 13 || next === 10;
};

/** Whether the line at `at` holds something other than blanks, a comment or a directive. */
const isContent = (text: string, at: number, end: number): boolean => {
  if (text.charCodeAt(at) === 37) return false; // `%`: a directive
  for (let index = at; index < end; index++) {
    const code = text.charCodeAt(index);
    if (code === 32 || code === 9 || code === 13) continue;
    return code !== 35; // `#`
  }
  return false;
};

/**
 * How many YAML documents `text` holds, in one linear pass over its lines: each `---` line starts one,
 * and so does the first content line outside a document (at the start, or after a `...` line); a `...`
 * line outside a document is an empty one. Stops counting past `stopAfter`.
 */
export const countDocuments = (text: string, stopAfter = Number.POSITIVE_INFINITY): number => {
  let count = 0;
  let inDocument = false;
  for (let at = 0; at < text.length && count <= stopAfter;) {
    const newline = text.indexOf('\n', at);
    const end = newline === -1 ? text.length : newline;
    if (isMarker(text, at, '---')) {
      count++;
      inDocument = true;
    } else if (isMarker(text, at, '...')) {
      if (!inDocument) count++; // a `...` outside a document ends an empty one
      inDocument = false;
    } else if (!inDocument && isContent(text, at, end)) {
      count++;
      inDocument = true;
    }
    at = end + 1;
  }
  return count;
};

/** A file's content, or its size (as far as known) when that is over `maxBytes`. */
export type BoundedRead = { content: Buffer } | { tooBig: number };

/** Reads `path` unless it is bigger than `maxBytes`: a stat first, and never more than `maxBytes + 1` read. */
export const readBounded = async (path: string, maxBytes: number): Promise<BoundedRead> => {
  const handle = await open(path, 'r');
  try {
    const info = await handle.stat();
    if (info.isDirectory()) {
      const error: NodeJS.ErrnoException = new Error(`EISDIR: illegal operation on a directory, read`);
      error.code = 'EISDIR';
      throw error;
    }
    if (info.size > maxBytes) return { tooBig: info.size };
    // The file may grow between the stat and the read: read at most one byte past the bound.
    let buffer = Buffer.allocUnsafe(Math.min(maxBytes + 1, info.size + 1));
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        const grown = Buffer.allocUnsafe(Math.min(maxBytes + 1, buffer.length * 2));
        buffer.copy(grown, 0, 0, length);
        buffer = grown;
      }
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) return { content: buffer.subarray(0, length) };
      length += bytesRead;
      if (length > maxBytes) return { tooBig: length };
    }
  } finally {
    await handle.close();
  }
};
