// An informer's events routed by object key: one handler on the informer however many subscribers there are,
// so an event reaches only the subscribers of that object (1000 health checks waiting in one namespace no
// longer see every event each), and a new subscriber is handed its own objects from the cache instead of a
// replay of the whole cache.

import { type ApiObject, objectKey } from "../kube/object-ref.js";
import type { EventHandler, Informer } from "./informer.js";

/** What the dispatcher uses of an {@link Informer}. */
export type DispatchedInformer<T extends ApiObject> = Pick<Informer<T>, "addEventHandler" | "hasSynced" | "cached">;

/**
 * Subscriptions to the events of some objects (by `namespace/name`, or `name` when cluster-scoped) of one
 * informer. The dispatcher's own handler is on the informer while it has subscribers.
 */
export class KeyDispatcher<T extends ApiObject = ApiObject> {
  readonly #byKey = new Map<string, Set<EventHandler<T>>>();
  #subscribers = 0;
  #detach: (() => void) | undefined;

  constructor(private readonly informer: DispatchedInformer<T>) {}

  /**
   * Routes the informer's events about objects with these keys to `handler`; returns a function ending the
   * subscription. Like {@link Informer.addEventHandler}, a synced informer hands the handler at once, as
   * adds, its cached objects — only those with these keys.
   */
  subscribe(keys: Iterable<string>, handler: EventHandler<T>): () => void {
    this.#attach();
    this.#subscribers++;
    const own = [...new Set(keys)];
    for (const key of own) {
      let handlers = this.#byKey.get(key);
      if (!handlers) {
        handlers = new Set();
        this.#byKey.set(key, handlers);
      }
      handlers.add(handler);
    }
    if (this.informer.hasSynced()) {
      for (const key of own) {
        const obj = this.informer.cached(key);
        if (obj) handler.onAdd?.(obj);
      }
    }
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      for (const key of own) {
        const handlers = this.#byKey.get(key);
        handlers?.delete(handler);
        if (handlers?.size === 0) this.#byKey.delete(key);
      }
      if (--this.#subscribers === 0) this.#detachNow();
    };
  }

  /** Whether the dispatcher's handler is on the informer. */
  get attached(): boolean {
    return this.#detach !== undefined;
  }

  #attach(): void {
    if (this.#detach) return;
    // No replay of the cache: each subscriber is handed its own objects.
    this.#detach = this.informer.addEventHandler(
      {
        onAdd: (obj) => this.#route(obj, (h) => h.onAdd?.(obj)),
        onUpdate: (old, obj) => this.#route(obj, (h) => h.onUpdate?.(old, obj)),
        onDelete: (obj) => this.#route(obj, (h) => h.onDelete?.(obj)),
      },
      { replay: false },
    );
  }

  #detachNow(): void {
    this.#detach?.();
    this.#detach = undefined;
  }

  /** Calls every subscriber of the object; one failing does not keep the others from the event. */
  #route(obj: T, call: (handler: EventHandler<T>) => void): void {
    const handlers = this.#byKey.get(objectKey(obj));
    if (!handlers) return;
    let failure: { err: unknown } | undefined;
    for (const handler of [...handlers]) {
      try {
        call(handler);
      } catch (err: unknown) {
        failure ??= { err };
      }
    }
    // The informer logs it.
    if (failure) throw failure.err;
  }
}
