/**
 * A de-duplicating queue of string keys processed asynchronously (after the current write returns), so that
 * controllers reacting to store events never run inside another write. A key whose processing throws is
 * retried after `retryDelayMs` (conflicts with concurrent writers resolve on the retry).
 */
export class KeyQueue {
  private readonly pending = new Set<string>();
  private scheduled = false;
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly process: (key: string) => void,
    private readonly onError: (key: string, err: unknown) => void = () => {},
    private readonly retryDelayMs = 100,
    private readonly maxRetries = 20,
  ) {}

  /** Adds a key (no-op when already queued). */
  add(key: string): void {
    if (this.stopped) return;
    this.pending.add(key);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  private drain(): void {
    this.scheduled = false;
    const keys = [...this.pending];
    this.pending.clear();
    for (const k of keys) {
      if (this.stopped) return;
      try {
        this.process(k);
        this.failures.delete(k);
      } catch (err: unknown) {
        const n = (this.failures.get(k) ?? 0) + 1;
        this.failures.set(k, n);
        this.onError(k, err);
        if (n <= this.maxRetries) {
          const t = setTimeout(() => {
            this.timers.delete(t);
            this.add(k);
          }, this.retryDelayMs * n);
          this.timers.add(t);
        }
      }
    }
  }

  /** Stops processing and drops pending retries. */
  stop(): void {
    this.stopped = true;
    this.pending.clear();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
