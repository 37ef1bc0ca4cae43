/**
 * In-process mutual exclusion per key: writers of the same artifact path queue up; different keys run in
 * parallel. Entries are dropped once nobody holds or waits for a key.
 */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>();

  /** Waits until `key` is free, takes it, and returns the function that releases it (idempotent). */
  async acquire(key: string): Promise<() => void> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const tail = previous.then(() => held);
    this.#tails.set(key, tail);
    await previous;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    };
  }

  /** Runs `fn` while holding `key`. */
  async with<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire(key);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Number of keys currently held or waited for (for tests and metrics). */
  get size(): number {
    return this.#tails.size;
  }
}
