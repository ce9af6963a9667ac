// Parsing an edited file document by document: YAML documents are independent, so a document whose
// text is unchanged keeps its parsed objects (the same references, which the object index then skips)
// and only the edited ones are parsed. An edit of one object in a 300-object file costs one document.
import type { KubeObject } from '../../apis/meta.js';
import { parseManifest, type ManifestError, type ParsedManifest } from './parse.js';

/** One document's text and where it starts. */
interface Chunk {
  text: string;
  /** 1-based line of its first line in the file. */
  line: number;
}

/** A parsed document: its objects, its errors (document 0, lines within it), how many documents it is. */
interface ParsedChunk {
  objects: KubeObject[];
  errors: ManifestError[];
  documents: number;
}

/** The parsed documents of a file's last version, by their text. */
export type DocumentCache = Map<string, ParsedChunk>;

// A document start marker: `---` at the start of a line, then a space or the end of the line.
const documentStart = /^---(?=[ \t\r]|$)/gm;
const startsWithMarker = /^---(?=[ \t\r]|$)/;
// Directives and document end markers change how what follows parses: such files are parsed whole.
const wholeFileOnly = /^(%|\.\.\.)/m;
// A line holding something other than blanks and comments.
const contentLine = /^[ \t]*[^\s#]/m;

/** Splits `text` at its document markers; undefined when it must be parsed whole. */
const splitDocuments = (text: string): Chunk[] | undefined => {
  if (wholeFileOnly.test(text)) return undefined;
  const starts = [0];
  for (const match of text.matchAll(documentStart)) if (match.index > 0) starts.push(match.index);
  let line = 1;
  return starts.map((start, index) => {
    const chunk = text.slice(start, starts[index + 1] ?? text.length);
    const chunkLine = line;
    for (let at = chunk.indexOf('\n'); at !== -1; at = chunk.indexOf('\n', at + 1)) line++;
    return { text: chunk, line: chunkLine };
  });
};

/** How many documents a chunk is: one after a marker, else one if it holds anything but comments. */
const documentsIn = (chunk: Chunk, index: number): number =>
  index > 0 || startsWithMarker.test(chunk.text) || contentLine.test(chunk.text) ? 1 : 0;

/**
 * Parses `text` as parseManifest does, reusing the documents of `cache` whose text is unchanged; returns
 * the result and the cache for the next version.
 */
export const parseByDocument = (
  file: string,
  text: string,
  cache: DocumentCache | undefined,
): { parsed: ParsedManifest; cache: DocumentCache | undefined } => {
  const chunks = splitDocuments(text);
  if (!chunks) return { parsed: parseManifest(file, text), cache: undefined };
  const next: DocumentCache = new Map();
  const objects: KubeObject[] = [];
  const errors: ManifestError[] = [];
  let document = 0;
  chunks.forEach((chunk, index) => {
    let parsed = cache?.get(chunk.text) ?? next.get(chunk.text);
    if (!parsed) {
      const whole = parseManifest(file, chunk.text);
      parsed = { objects: whole.objects, errors: whole.errors, documents: documentsIn(chunk, index) };
    }
    next.set(chunk.text, parsed);
    objects.push(...parsed.objects);
    for (const error of parsed.errors)
      errors.push({
        ...error,
        document: document + (error.document ?? 0),
        ...(error.line === undefined ? {} : { line: chunk.line + error.line - 1 }),
      });
    document += parsed.documents;
  });
  return { parsed: { objects, errors }, cache: next };
};
