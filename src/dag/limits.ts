// Bounds on what one object may make the build do. One contour-ts serves every tenant of a cluster, so
// no single object may cost unbounded time or memory: past a bound the object is refused with a status
// naming it, and the rest of the configuration is built as usual. Each bound is a `contour serve` flag.
import { defaultPemLimits } from '../util/pem.js';

/** The bounds of one build. */
export interface InputLimits {
  /** Longest include chain below a root HTTPProxy (the root is depth 0). */
  maxIncludeDepth: number;
  /** Most routes one root HTTPProxy may produce for its virtual host (includes expanded). */
  maxRoutesPerVirtualHost: number;
  /** Most include visits one root's include tree may take (a proxy included twice counts twice). */
  maxIncludesPerVirtualHost: number;
  /** Longest regular expression (in characters) in a condition or path. */
  maxRegexLength: number;
  /** Largest PEM value (certificate chain, key or CA bundle) of a Secret, in bytes. */
  maxPemBytes: number;
  /** Most PEM blocks in one Secret value. */
  maxPemBlocks: number;
}

/**
 * The defaults: beyond ordinary configurations, and low enough that one root's build holds the event loop
 * well under 250 ms (routes cost ~70 ms per 1,000 to build on a loaded 2-core machine).
 */
export const defaultInputLimits: InputLimits = {
  maxIncludeDepth: 32,
  maxRoutesPerVirtualHost: 2000,
  maxIncludesPerVirtualHost: 2000,
  maxRegexLength: 4096,
  ...defaultPemLimits,
};

/** The bounds a build uses: its options' limits, or the defaults. */
export const limitsOf = (options: { limits?: Partial<InputLimits> }): InputLimits =>
  options.limits ? { ...defaultInputLimits, ...options.limits } : defaultInputLimits;
