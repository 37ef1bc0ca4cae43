/** Client-side request rate limit: a sustained rate and a burst allowance (client-go's QPS/Burst). */
export interface RateLimit {
  /** Sustained requests per second. */
  qps: number;
  /** Requests that may go at once before the sustained rate applies. */
  burst: number;
}

/** Flux's defaults for `--kube-api-qps` and `--kube-api-burst`. */
export const DEFAULT_RATE_LIMIT: RateLimit = { qps: 50, burst: 300 };

/**
 * A token bucket shared by every request of one client: up to `burst` requests go at once, after which
 * requests are spaced `1/qps` seconds apart, in the order they asked.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {
    if (!(limit.qps > 0) || !(limit.burst >= 1)) {
      throw new RangeError(`rate limit needs qps > 0 and burst >= 1, got qps=${limit.qps} burst=${limit.burst}`);
    }
    this.tokens = limit.burst;
    this.last = now();
  }

  /** Takes one token and returns how many milliseconds the caller must wait before using it. */
  reserve(): number {
    const now = this.now();
    this.tokens = Math.min(this.limit.burst, this.tokens + ((now - this.last) * this.limit.qps) / 1000);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.limit.qps;
  }

  /** Resolves when the caller may send its request. */
  async acquire(): Promise<void> {
    const wait = this.reserve();
    if (wait > 0) await new Promise<void>((resolve) => setTimeout(resolve, wait));
  }
}
