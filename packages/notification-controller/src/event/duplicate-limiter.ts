// De-duplication of events (Flux's eventKeyFunc + go-limiter with one token per `--rate-limit-interval`):
// the first event with a given key passes, identical ones within the interval are refused (HTTP 429).

import { createHash } from "node:crypto";
import type { FluxEvent } from "@sluice/runtime/events";
import { objectGroup } from "./metadata.js";

/**
 * The de-duplication key of an (already cleaned) event: SHA-256 over the object's name, namespace and kind,
 * the message, and the object group's originRevision, revision and token metadata when present.
 */
export function eventKey(event: FluxEvent): string {
  const o = event.involvedObject;
  const parts = [
    "event",
    `name=${o.name}`,
    `namespace=${o.namespace ?? ""}`,
    `kind=${o.kind}`,
    `message=${event.message}`,
  ];
  const group = objectGroup(event);
  const meta = event.metadata ?? {};
  for (const [label, suffix] of [
    ["originRevision", "originRevision"],
    ["revision", "revision"],
    ["token", "token"],
  ] as const) {
    const value = meta[`${group}/${suffix}`];
    if (value !== undefined) parts.push(`${label}=${value}`);
  }
  return createHash("sha256").update(parts.join("/")).digest("hex");
}

/** Admits a key once per interval; memory stays bounded by sweeping keys older than two intervals. */
export class DuplicateLimiter {
  private readonly seen = new Map<string, number>();
  private lastSweep: number;

  /** `intervalMs` is `--rate-limit-interval`; 0 disables de-duplication. */
  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.lastSweep = now();
  }

  /** True when `key` may pass (and records it); false for a duplicate within the interval. */
  admit(key: string): boolean {
    if (this.intervalMs <= 0) return true;
    const now = this.now();
    if (now - this.lastSweep >= this.intervalMs) this.sweep(now);
    const until = this.seen.get(key);
    if (until !== undefined && now < until) return false;
    this.seen.set(key, now + this.intervalMs);
    return true;
  }

  /** Milliseconds until `key` is admitted again (0 when it would be now). */
  retryAfterMs(key: string): number {
    const until = this.seen.get(key);
    return until === undefined ? 0 : Math.max(0, until - this.now());
  }

  /** Number of keys remembered. */
  get size(): number {
    return this.seen.size;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, until] of this.seen) if (until + this.intervalMs <= now) this.seen.delete(key);
  }
}
