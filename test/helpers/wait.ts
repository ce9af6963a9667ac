// Polling helper for tests that wait on asynchronous effects (a generous bound, never a timing assertion).

type Truthy<T> = Exclude<Awaited<T>, undefined | null | false | '' | 0>;

/** Resolves with the first truthy value `check` returns; rejects naming `what` after `timeoutMs`. */
export const waitFor = async <T>(what: string, check: () => T, timeoutMs = 10_000): Promise<Truthy<T>> => {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as Truthy<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};
