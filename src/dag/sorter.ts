// Route ordering as Contour's internal/sorter, made a total order so the result never depends on input
// order: Envoy picks the first matching route, so the most specific match must come first.
import { canonicalJson, compareStrings } from './names.js';
import type { HeaderMatch, PathMatch, QueryParamMatch, Route, RouteMatch } from './types.js';

const headerKindRank: Record<HeaderMatch['kind'], number> = { exact: 0, regex: 1, contains: 2, present: 3 };
const queryKindRank: Record<QueryParamMatch['kind'], number> = {
  exact: 0,
  regex: 1,
  prefix: 2,
  suffix: 3,
  contains: 4,
  present: 5,
};

const compareBooleansFalseFirst = (a: boolean, b: boolean): number => (a === b ? 0 : a ? 1 : -1);

/** Orders header matches: by name, then exact < regex < contains < present, then value, non-inverted first. */
export const compareHeaderMatches = (a: HeaderMatch, b: HeaderMatch): number =>
  compareStrings(a.name, b.name) ||
  headerKindRank[a.kind] - headerKindRank[b.kind] ||
  compareStrings(a.value ?? '', b.value ?? '') ||
  compareBooleansFalseFirst(a.invert, b.invert) ||
  compareBooleansFalseFirst(a.ignoreCase, b.ignoreCase) ||
  compareBooleansFalseFirst(a.treatMissingAsEmpty, b.treatMissingAsEmpty);

/** Orders query matches: by name, then exact < regex < prefix < suffix < contains < present, then value. */
export const compareQueryParamMatches = (a: QueryParamMatch, b: QueryParamMatch): number =>
  compareStrings(a.name, b.name) ||
  queryKindRank[a.kind] - queryKindRank[b.kind] ||
  compareStrings(a.value ?? '', b.value ?? '') ||
  compareBooleansFalseFirst(a.ignoreCase, b.ignoreCase);

const pathKindRank: Record<PathMatch['kind'], number> = { exact: 0, regex: 1, prefix: 2 };

// Longer paths are more specific; among equal lengths Contour puts the lexically greater first.
const comparePaths = (a: PathMatch, b: PathMatch): number => {
  if (a.kind !== b.kind) return pathKindRank[a.kind] - pathKindRank[b.kind];
  if (a.kind !== 'exact' && a.value.length !== b.value.length) return b.value.length - a.value.length;
  const byValue = compareStrings(b.value, a.value);
  if (byValue !== 0) return byValue;
  if (a.kind === 'prefix' && b.kind === 'prefix' && a.segment !== b.segment) return a.segment ? -1 : 1;
  return 0;
};

const isMethod = (header: HeaderMatch): boolean => header.name === ':method';

// Routes with a method match come first, then those with more header and query conditions; equal
// counts compare condition by condition (the first difference decides).
const compareConditions = (a: RouteMatch, b: RouteMatch): number => {
  const aMethod = a.headers.some(isMethod);
  const bMethod = b.headers.some(isMethod);
  if (aMethod !== bMethod) return aMethod ? -1 : 1;
  const aHeaders = a.headers.filter((header) => !isMethod(header));
  const bHeaders = b.headers.filter((header) => !isMethod(header));
  if (aHeaders.length !== bHeaders.length) return bHeaders.length - aHeaders.length;
  if (a.queryParams.length !== b.queryParams.length) return b.queryParams.length - a.queryParams.length;
  for (let index = 0; index < aHeaders.length; index++) {
    const order = compareHeaderMatches(aHeaders[index], bHeaders[index]);
    if (order !== 0) return order;
  }
  for (let index = 0; index < a.queryParams.length; index++) {
    const order = compareQueryParamMatches(a.queryParams[index], b.queryParams[index]);
    if (order !== 0) return order;
  }
  return 0;
};

/** Orders route matches as Contour does: exact, then regex, then prefix paths, most specific first. */
export const compareRouteMatches = (a: RouteMatch, b: RouteMatch): number =>
  comparePaths(a.path, b.path) ||
  compareConditions(a, b) ||
  compareStrings(canonicalJson(a), canonicalJson(b));

/** Orders routes by their matches (see compareRouteMatches). */
export const compareRoutes = (a: Route, b: Route): number => compareRouteMatches(a.match, b.match);
