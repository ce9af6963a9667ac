// Private keys out of everything but SDS: debug pages (by field name) and log lines (by PEM armour).

/** What a redacted value is replaced with (as Envoy's config_dump does). */
export const redactedValue = '[redacted]';

/** Field names that hold private keys: the DAG's and Envoy's (camel and proto case), a Secret's data key. */
const privateKeyFields: ReadonlySet<string> = new Set(['privateKey', 'private_key', 'tls.key']);

/** A JSON.stringify replacer that redacts every private key field, at any depth. */
export const redactingReplacer = (key: string, value: unknown): unknown =>
  privateKeyFields.has(key) && value !== null && value !== undefined && value !== '' ? redactedValue : value;

const keyArmour = 'PRIVATE KEY-----';
const begin = '-----BEGIN ';
const end = '-----END ';
const maxLabelLength = 32;

/**
 * Text with every PEM private key block (`-----BEGIN … PRIVATE KEY-----` to its END line, or to the end
 * of the text when unterminated) replaced. Linear: plain index searches, no pattern.
 */
export const redactPemKeys = (text: string): string => {
  if (!text.includes(keyArmour)) return text;
  let out = '';
  let from = 0;
  for (;;) {
    const armour = text.indexOf(keyArmour, from);
    if (armour < 0) break;
    // The label between BEGIN and the armour is short ("ENCRYPTED ", "RSA ", "EC "): look back a few
    // characters only, so a text of many armours without BEGIN stays linear.
    const windowStart = Math.max(from, armour - maxLabelLength - begin.length);
    const found = text.slice(windowStart, armour).lastIndexOf(begin);
    const start = found < 0 ? -1 : windowStart + found;
    // An END line (or no BEGIN just before) is not a block start: keep the text and move on.
    if (start < 0 || text.slice(start + begin.length, armour).includes('-----')) {
      out += text.slice(from, armour + keyArmour.length);
      from = armour + keyArmour.length;
      continue;
    }
    out += text.slice(from, start) + redactedValue;
    const endLine = text.indexOf(end, armour + keyArmour.length);
    if (endLine < 0) return out;
    const endArmour = text.indexOf(keyArmour, endLine);
    if (endArmour < 0) return out;
    from = endArmour + keyArmour.length;
  }
  return out + text.slice(from);
};
