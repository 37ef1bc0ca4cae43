/** Per-key retry delays: `min`, doubling per consecutive failure, capped at `max` (milliseconds). */
export interface BackoffOptions {
  /** First retry delay; Flux's `--min-retry-delay` (default 750 ms). */
  min: number;
  /** Longest retry delay; Flux's `--max-retry-delay` (default 15 min). */
  max: number;
}

/** Flux's defaults: 750 ms → 15 min. */
export const DEFAULT_BACKOFF: BackoffOptions = { min: 750, max: 15 * 60_000 };

/**
 * Exponential per-key backoff (client-go's ItemExponentialFailureRateLimiter): the n-th consecutive
 * failure of a key waits `min * 2^(n-1)`, at most `max`; {@link forget} resets the key after a success.
 */
export class ExponentialBackoff {
  private readonly failures = new Map<string, number>();

  constructor(private readonly options: BackoffOptions = DEFAULT_BACKOFF) {
    if (!(options.min > 0) || !(options.max >= options.min)) {
      throw new RangeError(`backoff needs 0 < min <= max, got min=${options.min} max=${options.max}`);
    }
  }

  /** Records a failure of `key` and returns how long to wait before retrying it. */
  next(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    // 2^n overflows to Infinity for huge n, which Math.min caps.
    return Math.min(this.options.min * 2 ** n, this.options.max);
  }

  /** How many consecutive failures `key` has had. */
  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Clears the failure count of `key` (call after a successful run). */
  forget(key: string): void {
    this.failures.delete(key);
  }
}
