// Converters from a flag's string value to a typed value, throwing InvalidFlagError naming the flag.

import { parseDuration } from "@sluice/api";
import { InvalidFlagError } from "./invalid-flag-error.js";

/** Parses `value` of `--flag` as a Go-style duration (`30s`, `5m`) into milliseconds. */
export function flagDuration(flag: string, value: string): number {
  try {
    return parseDuration(value);
  } catch {
    throw new InvalidFlagError(`invalid value "${value}" for --${flag}: expected a duration such as 30s or 5m`);
  }
}

/** Parses `value` of `--flag` as an integer no smaller than `min`. */
export function flagInteger(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new InvalidFlagError(`invalid value "${value}" for --${flag}: expected an integer >= ${min}`);
  }
  return n;
}

/** Parses `value` of `--flag` as a finite number greater than 0. */
export function flagPositiveNumber(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new InvalidFlagError(`invalid value "${value}" for --${flag}: expected a number > 0`);
  }
  return n;
}
