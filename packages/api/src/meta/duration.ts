import { Type } from "@sinclair/typebox";

/** The Go duration pattern Flux's CRDs use for `interval`, `timeout`, `retryInterval`. */
export const DURATION_PATTERN = "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$";

/** A Go-style duration string such as `1m30s`, checked by Flux's duration pattern. */
export function Duration(options: { description?: string; default?: string; pattern?: string } = {}) {
  return Type.String({ pattern: DURATION_PATTERN, ...options });
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Error thrown by {@link parseDuration} for text that is not a Go duration. */
export class InvalidDurationError extends Error {
  constructor(readonly value: string) {
    super(`invalid duration "${value}": expected a Go duration such as 30s, 5m or 1h30m`);
    this.name = "InvalidDurationError";
  }
}

/** Parses a Go duration (`1h30m`, `500ms`, `1.5s`) into milliseconds. */
export function parseDuration(value: string): number {
  if (!new RegExp(DURATION_PATTERN).test(value)) throw new InvalidDurationError(value);
  let total = 0;
  for (const m of value.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g)) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] ?? 0);
  }
  return Math.round(total);
}

/** Formats milliseconds as a Go duration (`90000` → `1m30s`), as Go's time.Duration.String does. */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms < 1000) return `${ms}ms`;
  let rest = ms;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = rest / 1000;
  return `${h > 0 ? `${h}h` : ""}${h > 0 || m > 0 ? `${m}m` : ""}${s}s`;
}
