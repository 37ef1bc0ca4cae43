// Refusing replayed webhook calls: a signed body (GitHub, Bitbucket, generic-hmac, Nexus) seen again for the
// same Receiver within the window is a replay — a sender's genuine deliveries differ (GitHub pushes carry
// the new commit, its delivery id and timestamps). Flux has no such check; a repeat would only cause one
// more reconcile request, but a captured call should not be usable as a trigger by whoever captured it.

import { createHash } from "node:crypto";

/** Default window in which a signed call is remembered. */
export const REPLAY_WINDOW_MS = 10 * 60_000;

/** Remembers digests of signed calls for a window (bounded to `maxEntries`, oldest dropped first). */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly windowMs = REPLAY_WINDOW_MS,
    private readonly maxEntries = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True the first time `(path, signature, body)` is seen within the window; false for a replay. */
  firstSeen(path: string, signature: string, body: Buffer): boolean {
    const key = createHash("sha256")
      .update(path)
      .update("\0")
      .update(signature)
      .update("\0")
      .update(body)
      .digest("hex");
    const now = this.now();
    const until = this.seen.get(key);
    if (until !== undefined && until > now) return false;
    this.seen.delete(key);
    this.seen.set(key, now + this.windowMs);
    if (this.seen.size > this.maxEntries) {
      for (const [k, expiry] of this.seen) {
        if (this.seen.size <= this.maxEntries && expiry > now) break;
        this.seen.delete(k);
      }
    }
    return true;
  }
}
