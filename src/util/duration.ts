// Durations in Contour's (Go's) format: "0s", "100ms", "1.5s", "15s", "1m30s", "2h".

const unitMs: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const durationPattern = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/;

/** Parses a Go-style duration into milliseconds; throws with a clear message on bad input. */
export const parseDuration = (text: string): number => {
  const input = text.trim();
  if (input === '0') return 0;
  if (input === '') throw new Error('invalid duration "": empty');
  let rest = input;
  let total = 0;
  while (rest.length > 0) {
    const match = durationPattern.exec(rest);
    if (!match)
      throw new Error(`invalid duration "${text}": expected a number and a unit (ns, us, ms, s, m, h)`);
    total += Number(match[1]) * unitMs[match[2]];
    rest = rest.slice(match[0].length);
  }
  return total;
};

/** Formats milliseconds as a Go-style duration ("1.5s", "100ms", "0s"). */
export const formatDuration = (ms: number): string => {
  if (ms === 0) return '0s';
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  if (ms < 1000) return `${ms}ms`;
  return `${ms / 1000}s`;
};
