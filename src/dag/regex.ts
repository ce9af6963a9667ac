// User regexes reach Envoy's RE2 engine, so they are checked with an RE2 implementation, not JavaScript's.
import { RE2JS } from 're2js';

/** Returns why a regex is not valid RE2, or undefined when it compiles. */
export const re2Error = (pattern: string): string | undefined => {
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
};

/** Why a regex is refused before it is compiled (longer than `maxLength`), or undefined. */
export const regexLengthError = (pattern: string, maxLength: number): string | undefined =>
  pattern.length > maxLength
    ? `regex is ${pattern.length} characters long, more than the limit of ${maxLength} (--max-regex-length)`
    : undefined;

/** Escapes a literal string for use inside an RE2 pattern. */
export const quoteRegex = (literal: string): string => literal.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
