import type { KubeObject } from "../util/meta.js";
import { Collection } from "./collection.js";
import type { FilePersistence, StoreState } from "./persistence.js";
import type { StoreEvent, WatchEventType } from "./watch-event.js";

/** Options of the object store. */
export interface ObjectStoreOptions {
  /** Events kept per collection for watches from an older resourceVersion (default 10 000). */
  historyCapacity?: number;
  /** Durable storage; omitted means in memory only. */
  persistence?: FilePersistence;
  /** Compact the log into a snapshot after this many records (default 50 000). */
  compactEvery?: number;
}

/** `namespace/name` (cluster-scoped objects: `/name`). */
export function objectKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/**
 * Generic storage of Kubernetes objects by collection (group/resource) and `namespace/name`, with one global,
 * strictly increasing resourceVersion, watch fan-out and optional durability. Stored objects are immutable:
 * callers replace them, never mutate them.
 */
export class ObjectStore {
  private readonly collections = new Map<string, Collection>();
  private rv = 0;
  private readonly historyCapacity: number;
  private readonly compactEvery: number;
  private readonly persistence: FilePersistence | undefined;
  private startRv = 0;
  private readonly globalListeners = new Set<(collection: string, key: string, event: StoreEvent) => void>();

  constructor(options: ObjectStoreOptions = {}) {
    this.historyCapacity = options.historyCapacity ?? 10_000;
    this.compactEvery = options.compactEvery ?? 50_000;
    this.persistence = options.persistence;
    if (this.persistence) {
      const state = this.persistence.load();
      this.rv = state.rv;
      this.startRv = state.rv;
      for (const o of state.objects) this.collection(o.collection).items.set(o.key, o.object);
    }
  }

  /** The newest committed resourceVersion. */
  get currentRv(): number {
    return this.rv;
  }

  /** The collection for a group/resource key, created on first use. */
  collection(key: string): Collection {
    let c = this.collections.get(key);
    if (!c) {
      c = new Collection(key, this.historyCapacity, this.startRv);
      this.collections.set(key, c);
    }
    return c;
  }

  /** Reads one object. */
  get(collection: string, key: string): KubeObject | undefined {
    return this.collections.get(collection)?.items.get(key);
  }

  /**
   * Commits a new state of an object (ADDED when absent, MODIFIED otherwise). Assigns the next resourceVersion to
   * `metadata.resourceVersion` of the given object, which must not be shared with anyone else afterwards. Throws
   * a StorageError (nothing committed) when durable storage cannot take the write.
   */
  put(collection: string, key: string, object: KubeObject): KubeObject {
    const c = this.collection(collection);
    const previous = c.items.get(key);
    const rv = this.rv + 1;
    object.metadata["resourceVersion"] = String(rv);
    const type: WatchEventType = previous ? "MODIFIED" : "ADDED";
    this.persist(rv, collection, key, object);
    this.rv = rv;
    const event: StoreEvent = { type, rv, object };
    if (previous) event.previous = previous;
    c.commit(event, key);
    for (const l of this.globalListeners) l(collection, key, event);
    this.persistence?.maybeCompact(this.compactEvery, () => this.state());
    return object;
  }

  /** Subscribes to every committed event of every collection; returns the unsubscribe function. */
  onEvent(listener: (collection: string, key: string, event: StoreEvent) => void): () => void {
    this.globalListeners.add(listener);
    return () => this.globalListeners.delete(listener);
  }

  /**
   * Removes an object; the DELETED event carries its last state with the deletion's resourceVersion. Throws a
   * StorageError (nothing removed) when durable storage cannot take the write.
   */
  remove(collection: string, key: string): KubeObject | undefined {
    const c = this.collections.get(collection);
    const previous = c?.items.get(key);
    if (!c || !previous) return undefined;
    const rv = this.rv + 1;
    const object: KubeObject = { ...previous, metadata: { ...previous.metadata, resourceVersion: String(rv) } };
    this.persist(rv, collection, key, null);
    this.rv = rv;
    const event: StoreEvent = { type: "DELETED", rv, object, previous };
    c.commit(event, key);
    for (const l of this.globalListeners) l(collection, key, event);
    this.persistence?.maybeCompact(this.compactEvery, () => this.state());
    return object;
  }

  /** Drops a whole collection (a deleted CRD's objects are deleted one by one before this). */
  dropCollection(collection: string): void {
    const c = this.collections.get(collection);
    if (c && c.items.size === 0 && c.listenerCount === 0) this.collections.delete(collection);
  }

  /** Resolves when every committed write is durable (immediately in memory mode). */
  flush(): Promise<void> {
    return this.persistence ? this.persistence.flush() : Promise.resolve();
  }

  /** Every collection key that holds objects. */
  collectionKeys(): string[] {
    return [...this.collections.keys()];
  }

  /** Closes durable storage. */
  close(): void {
    this.persistence?.close();
  }

  /**
   * Writes the change to the log before it is committed in memory: when the log cannot take it (a full disk), the
   * StorageError propagates and neither the resourceVersion nor any object changes.
   */
  private persist(rv: number, collection: string, key: string, object: KubeObject | null): void {
    this.persistence?.append({ rv, collection, key, object }, () => this.state());
  }

  /** Every committed object with the current resourceVersion (what a snapshot holds). */
  private state(): StoreState {
    const objects: StoreState["objects"] = [];
    for (const [collection, c] of this.collections) {
      for (const [key, object] of c.items) objects.push({ collection, key, object });
    }
    return { rv: this.rv, objects };
  }
}
