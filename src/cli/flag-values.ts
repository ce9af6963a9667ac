// Parsers for flag values shared by the subcommands: each error names the flag and what it expects.
import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../util/duration.js';

/** A commander parser for a TCP port (1–65535). */
export const parsePort =
  (flag: string) =>
  (value: string): number => {
    const port = Number(value);
    if (!/^\d+$/.test(value) || port < 1 || port > 65535) {
      throw new InvalidArgumentError(`${flag} must be a port number between 1 and 65535.`);
    }
    return port;
  };

/** A commander parser for a Go-style duration ("0s", "500ms", "1m30s"), in milliseconds. */
export const parseDurationFlag =
  (flag: string) =>
  (value: string): number => {
    try {
      return parseDuration(value);
    } catch (error) {
      throw new InvalidArgumentError(`${flag}: ${(error as Error).message}`);
    }
  };

/** A commander parser for a whole number of zero or more. */
export const parseCountFlag =
  (flag: string) =>
  (value: string): number => {
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(Number(value))) {
      throw new InvalidArgumentError(`${flag} must be a whole number (0 or more), not "${value}".`);
    }
    return Number(value);
  };
