// Deterministic Envoy names for clusters and secrets: identity follows content, never position.
import { hash } from 'node:crypto';

/**
 * Serializes a value as JSON with object keys sorted, so equal content gives equal text: exactly
 * `JSON.stringify` with every object's keys in sorted order (undefined, function and symbol members
 * dropped, in arrays written as null; `toJSON` honoured; boxed primitives are objects). Written out rather than as a
 * `JSON.stringify` replacer, which copies every object once to sort it: names are hashed from this
 * for every route and cluster of a build.
 */
export const canonicalJson = (value: unknown): string => write(value, '') ?? (undefined as unknown as string);

// Keys in the order the replacer-based definition produced: sorted, except that integer-like keys
// (which JavaScript objects always enumerate first, in numeric order) come first.
const arrayIndex = /^(0|[1-9][0-9]*)$/;
const isArrayIndex = (key: string): boolean => arrayIndex.test(key) && Number(key) < 4294967295;
const startsWithDigit = (key: string): boolean => {
  const code = key.charCodeAt(0);
  return code >= 48 && code <= 57;
};
const sortedKeys = (record: object): string[] => {
  const keys = Object.keys(record);
  if (keys.length > 1) keys.sort();
  if (!keys.some(startsWithDigit) || !keys.some(isArrayIndex)) return keys;
  const indices = keys.filter(isArrayIndex).sort((a, b) => Number(a) - Number(b));
  return [...indices, ...keys.filter((key) => !isArrayIndex(key))];
};

// Strings with nothing to escape (almost all: names, hosts, paths) are quoted without JSON.stringify.
const needsEscape = /["\\\u0000-\u001f\ud800-\udfff]/;
const quote = (text: string): string => (needsEscape.test(text) ? JSON.stringify(text) : `"${text}"`);

const write = (value: unknown, key: string): string | undefined => {
  if (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  ) {
    value = (value as { toJSON(key: string): unknown }).toJSON(key);
  }
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let text = '[';
        for (let index = 0; index < value.length; index++) {
          if (index > 0) text += ',';
          text += write(value[index], String(index)) ?? 'null';
        }
        return `${text}]`;
      }
      const record = value as Record<string, unknown>;
      let text = '{';
      let first = true;
      for (const member of sortedKeys(record)) {
        const written = write(record[member], member);
        if (written === undefined) continue;
        text += `${first ? '' : ','}${quote(member)}:${written}`;
        first = false;
      }
      return `${text}}`;
    }
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    default:
      return undefined; // undefined, functions, symbols
  }
};

/** The first 10 hex characters of the SHA-256 of a value's canonical JSON. */
export const shortHash = (value: unknown): string => hash('sha256', canonicalJson(value)).slice(0, 10);

/** Compares two strings by UTF-16 code units (locale-independent, like Go's string comparison for ASCII). */
export const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
