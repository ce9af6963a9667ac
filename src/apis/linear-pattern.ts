// Patterns checked against user input must run in linear time: JavaScript's backtracking engine can take
// exponential time on patterns such as Contour's duration pattern (`(\d*(\.\d*)?(ms|m|s…))+`), and one
// crafted string would stall the event loop. RE2 (re2js) guarantees linear matching.
import { RE2JS } from 're2js';

/**
 * A RegExp whose `test` runs on RE2. It keeps the JavaScript source (the CRD schema generator and zod's
 * JSON Schema output read `source`), so it can stand wherever a schema takes a RegExp; only `test` is
 * linear, which is the one method zod's `.regex()` check calls.
 */
class LinearRegExp extends RegExp {
  readonly #linear: RE2JS;

  constructor(source: string, flags?: string) {
    super(source, flags);
    this.#linear = RE2JS.compile(source);
  }

  override test(text: string): boolean {
    return this.#linear.test(text);
  }

  // Derived regexes (String.prototype.split, matchAll…) are plain backtracking ones: never used on input.
  static override get [Symbol.species](): RegExpConstructor {
    return RegExp;
  }
}

/** Returns a RegExp with the same source whose `test` matches in linear time (RE2); throws if not RE2. */
export const linearPattern = (pattern: RegExp): RegExp => new LinearRegExp(pattern.source, pattern.flags);
