// HTTPProxy match conditions: validation (Contour's rules and messages) and merging down include chains.
import type { MatchCondition } from '../apis/httpproxy.js';
import { canonicalJson } from './names.js';
import { re2Error, regexLengthError } from './regex.js';
import { defaultInputLimits } from './limits.js';
import { compareHeaderMatches, compareQueryParamMatches } from './sorter.js';
import type { HeaderMatch, PathMatch, QueryParamMatch } from './types.js';

// Validators walk conditions in a canonical order so that, when several are wrong, the error reported
// does not depend on the order they were written in.
const inCanonicalOrder = (conditions: MatchCondition[]): MatchCondition[] =>
  conditions.length < 2
    ? conditions
    : conditions
        .map((condition) => ({ condition, key: canonicalJson(condition) }))
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
        .map(({ condition }) => condition);

/** Why the path conditions of one block are invalid, or undefined. */
export const pathConditionsError = (
  conditions: MatchCondition[],
  maxRegexLength = defaultInputLimits.maxRegexLength,
): string | undefined => {
  let count = 0;
  for (const condition of inCanonicalOrder(conditions)) {
    for (const kind of ['prefix', 'exact', 'regex'] as const) {
      const value = condition[kind];
      if (!value) continue;
      count++;
      if (!value.startsWith('/')) return `${kind} conditions must start with /, ${value} was supplied`;
      if (kind === 'regex') {
        const tooLong = regexLengthError(value, maxRegexLength);
        if (tooLong) return `supplied regex invalid: ${tooLong}`;
        const error = re2Error(value);
        if (error) return `supplied regex: ${value} invalid. error: ${error}`;
      }
    }
  }
  return count > 1 ? 'more than one prefix, exact or regex is not allowed in a condition block' : undefined;
};

/** Why an include's conditions are invalid (includes may only use prefix, header and query conditions). */
export const includeConditionsError = (conditions: MatchCondition[]): string | undefined => {
  for (const condition of inCanonicalOrder(conditions)) {
    if (condition.exact) return 'exact conditions are not allowed in includes block';
    if (condition.regex) return 'regex conditions are not allowed in includes block';
  }
  return undefined;
};

// Envoy's rule for HeaderMatcher.name (validate.rules HTTP_HEADER_NAME, strict: false): no NUL, CR or LF.
const refusedHeaderNameCharacter = /[\u0000\n\r]/;

/** Why the header conditions (merged along an include chain) are invalid, or undefined. */
export const headerConditionsError = (
  conditions: MatchCondition[],
  maxRegexLength = defaultInputLimits.maxRegexLength,
): string | undefined => {
  const seen = new Set<string>();
  const exactNames = new Set<string>();
  const key = (name: string, kind: string, value = ''): string => `${name}\u0000${kind}\u0000${value}`;
  for (const { header } of inCanonicalOrder(conditions)) {
    if (!header) continue;
    if (refusedHeaderNameCharacter.test(header.name)) {
      return `header condition ${JSON.stringify(header.name)}: a header name must not contain NUL, CR or LF`;
    }
    const name = header.name.toLowerCase();
    if (header.present) {
      if (seen.has(key(name, 'notpresent'))) {
        return "cannot specify contradictory 'present' and 'notpresent' conditions for the same route and header";
      }
      seen.add(key(name, 'present'));
    } else if (header.notpresent) {
      if (seen.has(key(name, 'present'))) {
        return "cannot specify contradictory 'present' and 'notpresent' conditions for the same route and header";
      }
      seen.add(key(name, 'notpresent'));
    } else if (header.exact) {
      if (exactNames.has(name))
        return "cannot specify duplicate header 'exact match' conditions in the same route";
      exactNames.add(name);
      if (seen.has(key(name, 'notexact', header.exact))) {
        return "cannot specify contradictory 'exact' and 'notexact' conditions for the same route and header";
      }
      seen.add(key(name, 'exact', header.exact));
    } else if (header.notexact) {
      if (seen.has(key(name, 'exact', header.notexact))) {
        return "cannot specify contradictory 'exact' and 'notexact' conditions for the same route and header";
      }
      seen.add(key(name, 'notexact', header.notexact));
    } else if (header.contains) {
      if (seen.has(key(name, 'notcontains', header.contains))) {
        return "cannot specify contradictory 'contains' and 'notcontains' conditions for the same route and header";
      }
      seen.add(key(name, 'contains', header.contains));
    } else if (header.notcontains) {
      if (seen.has(key(name, 'contains', header.notcontains))) {
        return "cannot specify contradictory 'contains' and 'notcontains' conditions for the same route and header";
      }
      seen.add(key(name, 'notcontains', header.notcontains));
    } else if (header.regex) {
      const tooLong = regexLengthError(header.regex, maxRegexLength);
      if (tooLong) return `invalid regular expression specified for 'regex' condition: ${tooLong}`;
      if (re2Error(header.regex)) return "invalid regular expression specified for 'regex' condition";
    }
  }
  return undefined;
};

/** Why the query parameter conditions (merged along an include chain) are invalid, or undefined. */
export const queryConditionsError = (
  conditions: MatchCondition[],
  maxRegexLength = defaultInputLimits.maxRegexLength,
): string | undefined => {
  const exactNames = new Set<string>();
  for (const { queryParameter: query } of inCanonicalOrder(conditions)) {
    if (!query) continue;
    const set = [query.exact, query.prefix, query.suffix, query.regex, query.contains].filter(
      (value) => !!value,
    );
    const count = set.length + (query.present ? 1 : 0);
    if (count === 0) return 'must specify at least one query parameter condition';
    if (count > 1) return 'cannot specify more than one condition in the same match condition branch';
    const name = query.name.toLowerCase();
    if (query.exact) {
      if (exactNames.has(name))
        return "cannot specify duplicate query parameter 'exact match' conditions in the same route";
      exactNames.add(name);
    }
    const tooLong = query.regex ? regexLengthError(query.regex, maxRegexLength) : undefined;
    if (tooLong) return `invalid regular expression specified for 'regex' condition: ${tooLong}`;
    if (query.regex && re2Error(query.regex))
      return "invalid regular expression specified for 'regex' condition";
  }
  return undefined;
};

/** The path match of conditions merged along an include chain: values concatenated, `//` collapsed. */
export const mergePathConditions = (conditions: MatchCondition[]): PathMatch => {
  let path = '';
  let isRegex = false;
  for (const condition of conditions) {
    if (condition.prefix) path += condition.prefix;
    else if (condition.exact) path += condition.exact;
    else if (condition.regex) {
      path += condition.regex;
      isRegex = true;
    }
  }
  path = path.replace(/\/\/+/g, '/');
  // HTTPProxy prefixes are plain string prefixes in Contour (`/foo` also matches `/foobar`).
  if (path === '') return { kind: 'prefix', value: '/', segment: false };
  if (isRegex) return { kind: 'regex', value: path };
  // The kind follows the last path condition (Contour looks at the last condition of any kind, so an
  // exact path followed by a header condition became a prefix match there).
  const lastPath = conditions.filter((condition) => condition.prefix || condition.exact).at(-1);
  if (lastPath?.exact) return { kind: 'exact', value: path };
  return { kind: 'prefix', value: path, segment: false };
};

/** The header matches of merged conditions, sorted as Contour's sorter orders them. */
export const mergeHeaderConditions = (conditions: MatchCondition[]): HeaderMatch[] => {
  const matches: HeaderMatch[] = [];
  for (const { header } of conditions) {
    if (!header) continue;
    const base = { name: header.name, invert: false, ignoreCase: false, treatMissingAsEmpty: false };
    const ignoreCase = header.ignoreCase ?? false;
    const treatMissingAsEmpty = header.treatMissingAsEmpty ?? false;
    if (header.present) matches.push({ ...base, kind: 'present' });
    else if (header.notpresent) matches.push({ ...base, kind: 'present', invert: true });
    else if (header.contains) matches.push({ ...base, kind: 'contains', value: header.contains, ignoreCase });
    else if (header.notcontains) {
      matches.push({
        ...base,
        kind: 'contains',
        value: header.notcontains,
        invert: true,
        ignoreCase,
        treatMissingAsEmpty,
      });
    } else if (header.exact) matches.push({ ...base, kind: 'exact', value: header.exact, ignoreCase });
    else if (header.notexact) {
      matches.push({
        ...base,
        kind: 'exact',
        value: header.notexact,
        invert: true,
        ignoreCase,
        treatMissingAsEmpty,
      });
    } else if (header.regex) matches.push({ ...base, kind: 'regex', value: header.regex });
  }
  return matches.sort(compareHeaderMatches);
};

/** The query parameter matches of merged conditions, sorted as Contour's sorter orders them. */
export const mergeQueryConditions = (conditions: MatchCondition[]): QueryParamMatch[] => {
  const matches: QueryParamMatch[] = [];
  for (const { queryParameter: query } of conditions) {
    if (!query) continue;
    const ignoreCase = query.ignoreCase ?? false;
    if (query.exact) matches.push({ name: query.name, kind: 'exact', value: query.exact, ignoreCase });
    else if (query.prefix)
      matches.push({ name: query.name, kind: 'prefix', value: query.prefix, ignoreCase });
    else if (query.suffix)
      matches.push({ name: query.name, kind: 'suffix', value: query.suffix, ignoreCase });
    else if (query.regex)
      matches.push({ name: query.name, kind: 'regex', value: query.regex, ignoreCase: false });
    else if (query.contains)
      matches.push({ name: query.name, kind: 'contains', value: query.contains, ignoreCase });
    else if (query.present) matches.push({ name: query.name, kind: 'present', ignoreCase: false });
  }
  return matches.sort(compareQueryParamMatches);
};

/**
 * The identity of an include's conditions for duplicate detection, or undefined when the include has
 * no conditions (several unconditioned includes are allowed, as in Contour).
 */
export const includeConditionsKey = (conditions: MatchCondition[]): string | undefined => {
  const path = mergePathConditions(conditions);
  const headers = mergeHeaderConditions(conditions);
  const queries = mergeQueryConditions(conditions);
  if (path.value === '/' && headers.length === 0 && queries.length === 0) return undefined;
  return canonicalJson({ path: path.value, headers, queries });
};
