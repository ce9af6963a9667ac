// Deterministic Envoy names for clusters and secrets: identity follows content, never position.
import { createHash } from 'node:crypto';

/** Serializes a value as JSON with object keys sorted, so equal content gives equal text. */
export const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, field: unknown) => {
    if (field && typeof field === 'object' && !Array.isArray(field)) {
      const sorted: Record<string, unknown> = {};
      for (const key of Object.keys(field).sort()) sorted[key] = (field as Record<string, unknown>)[key];
      return sorted;
    }
    return field;
  });

/** The first 10 hex characters of the SHA-256 of a value's canonical JSON. */
export const shortHash = (value: unknown): string =>
  createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 10);

/** Compares two strings by UTF-16 code units (locale-independent, like Go's string comparison for ASCII). */
export const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
