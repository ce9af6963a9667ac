// PEM blocks (`-----BEGIN X-----` … `-----END X-----`) found in one linear scan. The obvious regex
// (`BEGIN (…)-----[\s\S]*?-----END \1-----`) restarts at every BEGIN and scans to the end of the text
// when no END follows: 200,000 BEGIN lines took it quadratic time.

/** One PEM block: its label, base64 body, and full text (BEGIN to END line). */
export interface PemBlock {
  type: string;
  body: string;
  text: string;
}

/** Bounds on PEM input. */
export interface PemLimits {
  maxPemBytes: number;
  maxPemBlocks: number;
}

/** The default bounds (`--max-pem-bytes`, `--max-pem-blocks`). */
export const defaultPemLimits: PemLimits = { maxPemBytes: 1024 * 1024, maxPemBlocks: 1000 };

/** Whether two sets of PEM bounds are the same. */
export const samePemLimits = (a: PemLimits, b: PemLimits): boolean =>
  a.maxPemBytes === b.maxPemBytes && a.maxPemBlocks === b.maxPemBlocks;

const begin = '-----BEGIN ';
const dashes = '-----';
const isLabelCharacter = (code: number): boolean =>
  (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 32;

/**
 * The PEM blocks of `text`, or why it is refused: larger than `maxPemBytes`, more than `maxPemBlocks`
 * blocks, or a BEGIN line whose END line never comes. Text between blocks is ignored, as Go's
 * pem.Decode (and OpenSSL) ignore it.
 */
export const parsePemBlocks = (
  text: string,
  limits: PemLimits,
): { blocks: PemBlock[] } | { error: string } => {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxPemBytes) {
    return { error: `PEM data is ${bytes} bytes, more than the limit of ${limits.maxPemBytes}` };
  }
  const blocks: PemBlock[] = [];
  let position = 0;
  for (;;) {
    const start = text.indexOf(begin, position);
    if (start < 0) return { blocks };
    let labelEnd = start + begin.length;
    while (labelEnd < text.length && isLabelCharacter(text.charCodeAt(labelEnd))) labelEnd++;
    const type = text.slice(start + begin.length, labelEnd);
    let bodyStart = labelEnd + dashes.length;
    if (type === '' || !text.startsWith(dashes, labelEnd)) {
      position = start + begin.length;
      continue;
    }
    if (text[bodyStart] === '\r') bodyStart++;
    if (text[bodyStart] !== '\n') {
      position = start + begin.length;
      continue;
    }
    bodyStart++;
    const endLine = `-----END ${type}-----`;
    const end = text.indexOf(endLine, bodyStart);
    // Every later BEGIN would scan to the end as well: refusing here keeps the scan linear.
    if (end < 0) return { error: `PEM block "${type}" has no END line` };
    if (blocks.length === limits.maxPemBlocks) {
      return { error: `PEM data has more than ${limits.maxPemBlocks} blocks (the limit)` };
    }
    blocks.push({ type, body: text.slice(bodyStart, end), text: text.slice(start, end + endLine.length) });
    position = end + endLine.length;
  }
};
