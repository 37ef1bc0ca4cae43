import type { KubeObject } from "../util/meta.js";
import type { StoreEvent } from "./watch-event.js";
import { WatchHistory } from "./watch-history.js";

/** Receives the committed events of one collection. */
export type CollectionListener = (event: StoreEvent) => void;

/**
 * The objects of one group/resource (all versions, all namespaces), keyed by `namespace/name`, with a bounded
 * history of recent events for watches that start from an older resourceVersion.
 */
export class Collection {
  readonly items = new Map<string, KubeObject>();
  private readonly history: WatchHistory;
  private readonly listeners = new Set<CollectionListener>();
  private sortedKeys: string[] | undefined;

  constructor(
    readonly key: string,
    historyCapacity: number,
    initialCompactedRv: number,
  ) {
    this.history = new WatchHistory(historyCapacity, initialCompactedRv);
  }

  /** resourceVersion of the newest event no longer in the history (watches from older versions get 410). */
  get compactedRv(): number {
    return this.history.compactedRv;
  }

  /** Records a committed event, trims the history and notifies listeners. */
  commit(event: StoreEvent, objectKey: string): void {
    if (event.type === "DELETED") {
      if (this.items.delete(objectKey)) this.sortedKeys = undefined;
    } else {
      if (!this.items.has(objectKey)) this.sortedKeys = undefined;
      this.items.set(objectKey, event.object);
    }
    this.history.append(event, objectKey);
    for (const l of this.listeners) l(event);
  }

  /** Events with a resourceVersion greater than `rv`, oldest first; undefined when `rv` is too old. */
  eventsSince(rv: number): Iterable<StoreEvent> | undefined {
    return this.history.eventsSince(rv);
  }

  /** Object keys in `namespace/name` order (the order kube-apiserver lists in). */
  keysSorted(): string[] {
    if (!this.sortedKeys) this.sortedKeys = [...this.items.keys()].sort();
    return this.sortedKeys;
  }

  /** Subscribes to committed events; returns the unsubscribe function. */
  subscribe(listener: CollectionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Events the history holds (at most the capacity). */
  get historySize(): number {
    return this.history.size;
  }

  /** Number of live watch subscriptions. */
  get listenerCount(): number {
    return this.listeners.size;
  }
}
