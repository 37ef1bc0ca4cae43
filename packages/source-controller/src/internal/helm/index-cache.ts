// Flux's Helm index cache (`--helm-cache-max-size`, `--helm-cache-ttl`, `--helm-cache-purge-interval`):
// parsed HelmRepository indexes kept in memory by artifact path, so HelmCharts do not re-read and re-parse
// the index on every reconcile. HelmRepository puts each new index in and extends its TTL while the
// revision is unchanged; HelmChart counts a `cache_hit` or `cache_miss` per lookup in
// `gotk_cache_events_total{event_type,name,namespace}` (name and namespace of the HelmRepository).

import type { MetricsRecorder } from "@sluice/runtime/metrics";
import { Counter } from "prom-client";
import type { IndexFile } from "./index-file.js";

/** Event types of `gotk_cache_events_total`, as source-controller's internal/cache names them. */
export type CacheEventType = "cache_hit" | "cache_miss";

/** `gotk_cache_events_total` of source-controller, in the manager's registry. */
export class CacheRecorder {
  readonly #events: Counter<"event_type" | "name" | "namespace">;

  constructor(metrics: MetricsRecorder) {
    this.#events = new Counter({
      name: "gotk_cache_events_total",
      help: "Total number of cache retrieval events for a Gitops Toolkit resource reconciliation.",
      labelNames: ["event_type", "name", "namespace"],
      registers: [metrics.registry],
    });
  }

  /** Counts one lookup of the index of HelmRepository `namespace/name`. */
  incCacheEvents(event: CacheEventType, name: string, namespace: string): void {
    this.#events.inc({ event_type: event, name, namespace });
  }

  /** Drops both series of a deleted HelmRepository. */
  deleteCacheEvents(name: string, namespace: string): void {
    for (const event_type of ["cache_hit", "cache_miss"] as const) this.#events.remove({ event_type, name, namespace });
  }
}

interface Item {
  index: IndexFile;
  /** Date.now() after which the item is expired. */
  expires: number;
}

/**
 * At most `maxItems` indexes, each expiring `ttl` after it was set or last extended; expired ones are
 * removed every `purgeInterval`. Like Flux's cache, a full cache refuses new keys (no eviction).
 */
export class HelmIndexCache {
  readonly #items = new Map<string, Item>();
  readonly #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly maxItems: number,
    readonly ttlMs: number,
    purgeIntervalMs: number,
  ) {
    if (purgeIntervalMs > 0) {
      this.#timer = setInterval(() => this.deleteExpired(), purgeIntervalMs);
      this.#timer.unref();
    }
  }

  /** The index stored under `key` unless missing or expired. */
  get(key: string): IndexFile | undefined {
    const item = this.#items.get(key);
    return item && item.expires >= Date.now() ? item.index : undefined;
  }

  /** Stores `index` under `key`; false when the cache is full and `key` is new. */
  set(key: string, index: IndexFile): boolean {
    if (!this.#items.has(key) && this.#items.size >= this.maxItems) return false;
    this.#items.set(key, { index, expires: Date.now() + this.ttlMs });
    return true;
  }

  /** Extends the TTL of `key` if present. */
  touch(key: string): void {
    const item = this.#items.get(key);
    if (item) item.expires = Date.now() + this.ttlMs;
  }

  /** Number of items, expired ones not yet purged included. */
  get size(): number {
    return this.#items.size;
  }

  deleteExpired(): void {
    const now = Date.now();
    for (const [key, item] of this.#items) if (item.expires < now) this.#items.delete(key);
  }

  /** Stops the purge timer. */
  close(): void {
    if (this.#timer) clearInterval(this.#timer);
  }
}
