// An informer's event side without an API server, for unit tests of what subscribes to informers: a cache,
// handlers, and the events the test sends.

import type { EventHandler } from "../../src/cache/informer.js";
import { type ApiObject, objectKey } from "../../src/kube/object-ref.js";

export class HandDrivenInformer<T extends ApiObject = ApiObject> {
  readonly store = new Map<string, T>();
  readonly handlers = new Set<EventHandler<T>>();

  constructor(public synced = true) {}

  addEventHandler(handler: EventHandler<T>, options: { replay?: boolean } = {}): () => void {
    this.handlers.add(handler);
    // As the real informer does: a synced cache is replayed to a new handler unless it asks not to be.
    if (this.synced && options.replay !== false) for (const obj of this.store.values()) handler.onAdd?.(obj);
    return () => this.handlers.delete(handler);
  }
  hasSynced(): boolean {
    return this.synced;
  }
  waitForSync(): Promise<void> {
    return Promise.resolve();
  }
  cached(key: string): T | undefined {
    return this.store.get(key);
  }
  put(obj: T): void {
    const old = this.store.get(objectKey(obj));
    this.store.set(objectKey(obj), obj);
    for (const h of this.handlers) old ? h.onUpdate?.(old, obj) : h.onAdd?.(obj);
  }
  remove(obj: T): void {
    this.store.delete(objectKey(obj));
    for (const h of this.handlers) h.onDelete?.(obj);
  }
}
