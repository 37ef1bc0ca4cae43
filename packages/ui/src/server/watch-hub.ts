// One shared watch cache per Flux kind (the runtime's informers) and the overview rows derived from it;
// browsers subscribe to row changes instead of polling.

import { type Informer, ObjectCache } from "@sluice/runtime/cache";
import type { KubeClient } from "@sluice/runtime/kube";
import type { Logger } from "@sluice/runtime/logging";
import type { ObjectSummary, StreamMessage } from "../shared/api.js";
import { WATCHED_KINDS } from "./kinds.js";
import { type FluxObject, objectId, summarize } from "./summarize.js";

/** Receives every change, in order. */
export type Subscriber = (message: StreamMessage) => void;

/** Options of {@link WatchHub}. */
export interface WatchHubOptions {
  /** Watch one namespace only (default all). */
  namespace?: string | undefined;
  logger?: Logger | undefined;
}

/**
 * Watches every kind of {@link WATCHED_KINDS} through one {@link ObjectCache} and keeps one
 * {@link ObjectSummary} per object. Each change gets a sequence number and goes to every subscriber
 * once; a row whose summary did not change (a status write that changed nothing shown) is not sent.
 */
export class WatchHub {
  readonly cache: ObjectCache;
  private readonly informers = new Map<string, Informer<FluxObject>>();
  private readonly rows = new Map<string, ObjectSummary>();
  private readonly subscribers = new Set<Subscriber>();
  private sequence = 0;
  private sortedCache: ObjectSummary[] | undefined;

  constructor(client: KubeClient, options: WatchHubOptions = {}) {
    this.cache = new ObjectCache(client, { namespace: options.namespace, logger: options.logger });
    for (const k of WATCHED_KINDS) {
      const informer = this.cache.informerFor<FluxObject>(k.apiVersion, k.kind);
      this.informers.set(k.kind, informer);
      informer.addEventHandler({
        onAdd: (obj) => this.upsert(obj),
        onUpdate: (_old, obj) => this.upsert(obj),
        onDelete: (obj) => this.remove(obj),
      });
    }
  }

  /** Starts watching. */
  start(): void {
    this.cache.start();
  }

  /** Stops watching. */
  async stop(): Promise<void> {
    await this.cache.stop();
  }

  /** Whether every kind has been listed once. */
  synced(): boolean {
    return this.cache.hasSynced();
  }

  /** The current change sequence number. */
  get seq(): number {
    return this.sequence;
  }

  /** Every row (shared array, do not change), in id order. */
  all(): readonly ObjectSummary[] {
    this.sortedCache ??= [...this.rows.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return this.sortedCache;
  }

  /** The row with this id. */
  row(id: string): ObjectSummary | undefined {
    return this.rows.get(id);
  }

  /** The cached object (a mutable copy) of a watched kind, or undefined. */
  object(kind: string, namespace: string, name: string): FluxObject | undefined {
    return this.informers.get(kind)?.get(namespace ? `${namespace}/${name}` : name);
  }

  /** Cached objects (frozen) of a watched kind. */
  objects(kind: string): readonly FluxObject[] {
    return this.informers.get(kind)?.list() ?? [];
  }

  /** Adds a subscriber; returns its removal. */
  subscribe(fn: Subscriber): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  private upsert(obj: FluxObject): void {
    const row = summarize(obj);
    const old = this.rows.get(row.id);
    if (old && sameRow(old, row)) return;
    this.rows.set(row.id, row);
    if (!old) this.sortedCache = undefined;
    else if (this.sortedCache) {
      const i = this.sortedCache.indexOf(old);
      if (i >= 0) this.sortedCache[i] = row;
    }
    this.publish({ type: "upsert", seq: ++this.sequence, object: row });
  }

  private remove(obj: FluxObject): void {
    const id = objectId(obj.kind, obj.metadata.namespace, obj.metadata.name ?? "");
    if (!this.rows.delete(id)) return;
    this.sortedCache = undefined;
    this.publish({ type: "delete", seq: ++this.sequence, id });
  }

  private publish(message: StreamMessage): void {
    for (const fn of this.subscribers) fn(message);
  }
}

function sameRow(a: ObjectSummary, b: ObjectSummary): boolean {
  for (const k of Object.keys(a) as Array<keyof ObjectSummary>) if (a[k] !== b[k]) return false;
  return true;
}
