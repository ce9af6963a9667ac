// Plain string helpers for user input, written as loops: the obvious regexes (`/\/+$/`) backtrack
// quadratically on long runs of the repeated character.

/** `value` without any run of `character` at its end. */
export const trimTrailing = (value: string, character: string): string => {
  let end = value.length;
  while (end > 0 && value[end - 1] === character) end--;
  return end === value.length ? value : value.slice(0, end);
};
