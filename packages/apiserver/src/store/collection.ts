import type { KubeObject } from "../util/meta.js";
import type { StoreEvent } from "./watch-event.js";

/** Receives the committed events of one collection. */
export type CollectionListener = (event: StoreEvent) => void;

/**
 * The objects of one group/resource (all versions, all namespaces), keyed by `namespace/name`, with a bounded
 * history of recent events for watches that start from an older resourceVersion.
 */
export class Collection {
  readonly items = new Map<string, KubeObject>();
  /** Slots before historyStart are trimmed (undefined, so their objects can be collected before the splice). */
  private readonly history: (StoreEvent | undefined)[] = [];
  private historyStart = 0;
  /** resourceVersion of the newest event no longer in the history (watches from older versions get 410). */
  compactedRv: number;
  private readonly listeners = new Set<CollectionListener>();
  private sortedKeys: string[] | undefined;

  constructor(
    readonly key: string,
    private readonly historyCapacity: number,
    initialCompactedRv: number,
  ) {
    this.compactedRv = initialCompactedRv;
  }

  /** Records a committed event, trims the history and notifies listeners. */
  commit(event: StoreEvent, objectKey: string): void {
    if (event.type === "DELETED") {
      if (this.items.delete(objectKey)) this.sortedKeys = undefined;
    } else {
      if (!this.items.has(objectKey)) this.sortedKeys = undefined;
      this.items.set(objectKey, event.object);
    }
    this.history.push(event);
    if (this.history.length - this.historyStart > this.historyCapacity) {
      const dropped = this.history[this.historyStart]!;
      this.compactedRv = dropped.rv;
      // The array is spliced only when half of it is trimmed; until then a kept reference would hold up to
      // twice the capacity of objects (each event's object and previous object).
      this.history[this.historyStart] = undefined;
      this.historyStart++;
      if (this.historyStart > 1024 && this.historyStart * 2 > this.history.length) {
        this.history.splice(0, this.historyStart);
        this.historyStart = 0;
      }
    }
    for (const l of this.listeners) l(event);
  }

  /** Events with a resourceVersion greater than `rv`, oldest first; undefined when `rv` is too old. */
  eventsSince(rv: number): StoreEvent[] | undefined {
    if (rv < this.compactedRv) return undefined;
    const out: StoreEvent[] = [];
    for (let i = this.history.length - 1; i >= this.historyStart; i--) {
      const e = this.history[i]!;
      if (e.rv <= rv) break;
      out.push(e);
    }
    return out.reverse();
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
    let n = 0;
    for (const e of this.history) if (e !== undefined) n++;
    return n;
  }

  /** Number of live watch subscriptions. */
  get listenerCount(): number {
    return this.listeners.size;
  }
}
