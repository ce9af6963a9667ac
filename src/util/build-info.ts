// What this build is: version (package.json), git branch and revision. scripts/build.mjs bakes them
// into dist/ through esbuild's `define`; run from the sources (tsx), the version is read from
// package.json and the git fields are "unknown".
import { readFileSync } from 'node:fs';

export interface BuildInfo {
  branch: string;
  revision: string;
  version: string;
}

// Replaced by scripts/build.mjs with an object literal; undeclared when running the sources.
declare const __CONTOUR_BUILD_INFO__: BuildInfo | undefined;

const packageVersion = (): string => {
  try {
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    const version = (JSON.parse(text) as { version?: unknown }).version;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
};

let cached: BuildInfo | undefined;

/** This build's branch, revision and version ("unknown" where not known). */
export const buildInfo = (): BuildInfo =>
  (cached ??=
    typeof __CONTOUR_BUILD_INFO__ === 'object' && __CONTOUR_BUILD_INFO__ !== undefined
      ? { ...__CONTOUR_BUILD_INFO__ }
      : { branch: 'unknown', revision: 'unknown', version: packageVersion() });
