import type { Logger } from "pino";
import { isGone, toApiError } from "../kube/api-error.js";
import type { KubeClient } from "../kube/kube-client.js";
import { type ApiObject, objectKey } from "../kube/object-ref.js";
import { type WatchEvent, watchStream } from "../kube/watch-stream.js";
import { deepFreeze } from "./deep-freeze.js";

/** Reactions to cache changes. Objects passed are frozen cache entries: read them, never change them. */
export interface EventHandler<T extends ApiObject> {
  onAdd?(obj: T): void;
  /** `old` and `obj` are the same object on a resync. */
  onUpdate?(old: T, obj: T): void;
  onDelete?(obj: T): void;
}

/** Computes the index values of an object (e.g. `GitRepository/flux-system/podinfo` for its sourceRef). */
export type IndexFunc<T extends ApiObject> = (obj: T) => readonly string[];

/** Options of {@link Informer}. */
export interface InformerOptions {
  /** Watch one namespace only (default: all). */
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  /** Re-deliver every cached object as an update this often (ms); off by default. */
  resyncPeriod?: number | undefined;
  logger?: Logger | undefined;
  /**
   * Drop `metadata.managedFields` from cached objects (client-go's TransformStripManagedFields, as Flux's
   * controllers do): they are often the largest part of an object and nothing reads them from a cache.
   */
  stripManagedFields?: boolean | undefined;
  /** First and longest delay between failed list/watch attempts (ms). Defaults 1 s and 30 s. */
  retryDelay?: { min: number; max: number };
}

/** Error a watch ends with when the server says our resourceVersion is too old. */
class WatchExpiredError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WatchExpiredError";
  }
}

/**
 * A shared informer for one kind (client-go's reflector + indexer): lists, then watches from the list's
 * resourceVersion, keeping an in-memory cache of frozen objects keyed `namespace/name`, maintaining
 * indexes, and notifying handlers. Closed watches resume from the last resourceVersion; `410 Gone`
 * re-lists (deletions missed meanwhile are delivered); other failures retry with backoff. Handlers added
 * after the first list receive every cached object as an add.
 */
export class Informer<T extends ApiObject = ApiObject> {
  private readonly store = new Map<string, T>();
  /** Objects as our own writes returned them, newer than the watch has delivered (see {@link observeWrite}). */
  private readonly written = new Map<string, T>();
  private readonly indexers = new Map<string, { fn: IndexFunc<T>; values: Map<string, Set<string>> }>();
  private readonly handlers = new Set<EventHandler<T>>();
  private readonly syncWaiters: Array<() => void> = [];
  private synced = false;
  private running = false;
  private resourceVersion = "";
  private abortWatch: AbortController | undefined;
  private resyncTimer: ReturnType<typeof setInterval> | undefined;
  private retryTimer: { timer: ReturnType<typeof setTimeout>; wake: () => void } | undefined;
  private loop: Promise<void> | undefined;
  private lastError: string | undefined;

  constructor(
    private readonly client: KubeClient,
    /** The kind this informer caches. */
    readonly gvk: { apiVersion: string; kind: string },
    private readonly options: InformerOptions = {},
  ) {}

  /** Adds an index. Must be called before {@link start}. */
  addIndex(name: string, fn: IndexFunc<T>): void {
    if (this.indexers.has(name)) throw new Error(`${this.gvk.kind} informer: index ${name} already exists`);
    const values = new Map<string, Set<string>>();
    this.indexers.set(name, { fn, values });
    for (const [key, obj] of this.store) this.indexObject(key, obj, fn, values);
  }

  /**
   * Registers a handler; returns a function removing it. Cached objects are delivered to it as adds, unless
   * `replay` is false (a handler that reads the cache itself).
   */
  addEventHandler(handler: EventHandler<T>, options: { replay?: boolean } = {}): () => void {
    this.handlers.add(handler);
    if (this.synced && options.replay !== false)
      for (const obj of this.store.values()) this.safely(() => handler.onAdd?.(obj));
    return () => this.handlers.delete(handler);
  }

  /** Starts listing and watching in the background. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
    if (this.options.resyncPeriod && this.options.resyncPeriod > 0) {
      this.resyncTimer = setInterval(() => this.resync(), this.options.resyncPeriod);
    }
  }

  /** Stops watching; the cache keeps its content. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.abortWatch?.abort();
    if (this.retryTimer) {
      clearTimeout(this.retryTimer.timer);
      this.retryTimer.wake();
    }
    await this.loop;
    for (const wake of this.syncWaiters.splice(0)) wake();
  }

  /** True once the first list has filled the cache. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** The last list/watch failure, if the informer is currently failing. */
  get error(): string | undefined {
    return this.lastError;
  }

  /** Resolves when the cache has synced; rejects when `signal` aborts first or the informer stops. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal?.reason ?? new Error(`${this.gvk.kind} informer: wait for sync aborted`));
      signal?.addEventListener("abort", onAbort, { once: true });
      this.syncWaiters.push(() => {
        signal?.removeEventListener("abort", onAbort);
        if (this.synced) resolve();
        else reject(new Error(`${this.gvk.kind} informer stopped before syncing`));
      });
    });
  }

  /**
   * A mutable deep copy of the cached object with this key (`namespace/name` or `name`), or undefined. An
   * object this process wrote (see {@link observeWrite}) is returned as written until the watch catches up.
   */
  get(key: string | { namespace?: string | undefined; name: string }): T | undefined {
    const k = typeof key === "string" ? key : objectKey(key);
    const obj = this.written.get(k) ?? this.store.get(k);
    return obj ? structuredClone(obj) : undefined;
  }

  /**
   * The cached object with this key (`namespace/name` or `name`) as the watch delivered it: frozen, not
   * copied, without our writes ({@link observeWrite}) — what a new handler would have been handed.
   */
  cached(key: string): T | undefined {
    return this.store.get(key);
  }

  /**
   * Read-your-writes: records `obj` as the API server returned it after a write of ours, so {@link get}
   * returns it even before the watch delivers that version (a requeue right after a status patch then sees
   * the patch). Handlers are not called, indexes and {@link list} are not changed: the watch event does that
   * when it arrives, and then replaces this copy. Ignored for objects not in the cache (deleted meanwhile)
   * and for versions the watch has already delivered.
   */
  observeWrite(obj: T): void {
    const key = objectKey(obj);
    const cached = this.store.get(key);
    if (!cached) return;
    const order = compareVersions(obj.metadata.resourceVersion, cached.metadata.resourceVersion);
    if (order === undefined ? obj.metadata.resourceVersion === cached.metadata.resourceVersion : order <= 0) return;
    this.written.set(key, this.own(structuredClone(obj)));
  }

  /** Cached objects (frozen), optionally of one namespace. */
  list(namespace?: string): readonly T[] {
    const all = [...this.store.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  /** Cached keys. */
  keys(): string[] {
    return [...this.store.keys()];
  }

  /** Cached objects (frozen) whose index `name` includes `value`. */
  byIndex(name: string, value: string): readonly T[] {
    const indexer = this.indexers.get(name);
    if (!indexer) throw new Error(`${this.gvk.kind} informer: no index named ${name}`);
    const keys = indexer.values.get(value);
    if (!keys) return [];
    return [...keys].map((k) => this.store.get(k)).filter((o): o is T => o !== undefined);
  }

  private async run(): Promise<void> {
    const min = this.options.retryDelay?.min ?? 1000;
    const max = this.options.retryDelay?.max ?? 30_000;
    let delay = min;
    while (this.running) {
      try {
        if (!this.resourceVersion) await this.relist();
        await this.watchOnce();
        delay = min;
        this.lastError = undefined;
      } catch (err: unknown) {
        if (!this.running) break;
        if (err instanceof WatchExpiredError || isGone(err)) {
          this.resourceVersion = "";
          continue;
        }
        const apiError = toApiError(err);
        this.lastError = apiError.message;
        this.options.logger?.warn(
          { kind: this.gvk.kind, error: apiError.message, retryIn: delay },
          "list/watch failed, retrying",
        );
        await this.sleep(delay);
        delay = Math.min(delay * 2, max);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.retryTimer = undefined;
        resolve();
      }, ms);
      this.retryTimer = { timer, wake: resolve };
    });
  }

  private async relist(): Promise<void> {
    const list = await this.client.list<T>(this.gvk.apiVersion, this.gvk.kind, {
      ...(this.options.namespace ? { namespace: this.options.namespace } : {}),
      ...(this.options.labelSelector ? { labelSelector: this.options.labelSelector } : {}),
      ...(this.options.fieldSelector ? { fieldSelector: this.options.fieldSelector } : {}),
    });
    const seen = new Set<string>();
    for (const item of list.items) {
      const key = objectKey(item);
      seen.add(key);
      this.upsert(key, item);
    }
    for (const key of [...this.store.keys()]) if (!seen.has(key)) this.remove(key);
    this.resourceVersion = list.resourceVersion;
    if (!this.synced) {
      this.synced = true;
      for (const wake of this.syncWaiters.splice(0)) wake();
    }
    this.lastError = undefined;
  }

  private async watchOnce(): Promise<void> {
    const path = await this.client.resourcePath({
      apiVersion: this.gvk.apiVersion,
      kind: this.gvk.kind,
      namespace: this.options.namespace,
    });
    const controller = new AbortController();
    this.abortWatch = controller;
    const onEvent = ({ type, object }: WatchEvent) => {
      const obj = object as unknown as T & { code?: number; message?: string };
      if (type === "ERROR") {
        if (obj.code === 410) throw new WatchExpiredError(obj.message ?? "watch expired");
        throw toApiError(obj);
      }
      const rv = obj.metadata?.resourceVersion;
      if (type === "BOOKMARK") {
        if (rv) this.resourceVersion = rv;
        return;
      }
      const key = objectKey(obj);
      if (type === "DELETED") this.remove(key, obj);
      else this.upsert(key, obj);
      if (rv) this.resourceVersion = rv;
    };
    try {
      if (!this.running) return;
      await watchStream(
        this.client.http,
        path,
        {
          resourceVersion: this.resourceVersion,
          allowWatchBookmarks: true,
          // Like client-go, end each watch after 5–10 minutes and resume, so dead connections are noticed.
          timeoutSeconds: Math.floor(300 * (1 + Math.random())),
          labelSelector: this.options.labelSelector,
          fieldSelector: this.options.fieldSelector,
        },
        onEvent,
        controller.signal,
      );
    } finally {
      if (this.abortWatch === controller) this.abortWatch = undefined;
    }
  }

  /** Freezes an object from the server (ours to change until then), without managedFields if asked. */
  private own(incoming: T): T {
    if (this.options.stripManagedFields && incoming.metadata?.managedFields !== undefined) {
      delete incoming.metadata.managedFields;
    }
    return deepFreeze(incoming);
  }

  private upsert(key: string, incoming: T): void {
    const obj = this.own(incoming);
    const ours = this.written.get(key);
    // Any watch event replaces our copy, unless it is provably older than our write.
    if (ours) {
      const order = compareVersions(ours.metadata.resourceVersion, obj.metadata.resourceVersion);
      if (order === undefined || order <= 0) this.written.delete(key);
    }
    const old = this.store.get(key);
    if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    this.unindex(key, old);
    this.store.set(key, obj);
    for (const { fn, values } of this.indexers.values()) this.indexObject(key, obj, fn, values);
    for (const h of this.handlers) {
      if (old) this.safely(() => h.onUpdate?.(old, obj));
      else this.safely(() => h.onAdd?.(obj));
    }
  }

  private remove(key: string, final?: T): void {
    this.written.delete(key);
    const old = this.store.get(key);
    if (!old) return;
    this.store.delete(key);
    this.unindex(key, old);
    const obj = final ? this.own(final) : old;
    for (const h of this.handlers) this.safely(() => h.onDelete?.(obj));
  }

  private resync(): void {
    for (const obj of this.store.values()) for (const h of this.handlers) this.safely(() => h.onUpdate?.(obj, obj));
  }

  private indexObject(key: string, obj: T, fn: IndexFunc<T>, values: Map<string, Set<string>>): void {
    for (const value of fn(obj)) {
      let keys = values.get(value);
      if (!keys) {
        keys = new Set();
        values.set(value, keys);
      }
      keys.add(key);
    }
  }

  private unindex(key: string, obj: T | undefined): void {
    if (!obj) return;
    for (const { fn, values } of this.indexers.values()) {
      for (const value of fn(obj)) {
        const keys = values.get(value);
        keys?.delete(key);
        if (keys?.size === 0) values.delete(value);
      }
    }
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err: unknown) {
      this.options.logger?.error({ kind: this.gvk.kind, error: err }, "informer event handler failed");
    }
  }
}

/**
 * Orders two resourceVersions: negative when `a` is older, positive when newer. Kubernetes resourceVersions
 * are opaque strings, but the API servers we talk to (etcd-backed, and packages/apiserver) issue increasing
 * integers, which are compared as numbers; anything else is not comparable (undefined).
 */
function compareVersions(a: string | undefined, b: string | undefined): number | undefined {
  if (a === undefined || b === undefined || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return undefined;
  const x = BigInt(a);
  const y = BigInt(b);
  return x === y ? 0 : x > y ? 1 : -1;
}
