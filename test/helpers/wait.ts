// Polling helper for tests that wait on asynchronous effects (a generous bound, never a timing assertion).

/** Resolves once `check` returns a truthy value; rejects with `what` after `timeoutMs`. */
export const waitFor = async <T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as Exclude<T, undefined | null | false>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};
