import type { Logger } from "pino";
import type { KubeClient } from "../kube/kube-client.js";
import type { ApiObject } from "../kube/object-ref.js";
import { Informer, type InformerOptions } from "./informer.js";

/** Options of {@link ObjectCache}. */
export interface ObjectCacheOptions {
  /** Restrict every informer to one namespace (Flux's `--watch-all-namespaces=false`). */
  namespace?: string | undefined;
  /** Resync period applied to informers that do not set their own (ms). */
  resyncPeriod?: number | undefined;
  logger?: Logger | undefined;
}

/** Per-informer options of {@link ObjectCache.informerFor}. */
export type InformerRequest = Pick<InformerOptions, "labelSelector" | "fieldSelector" | "resyncPeriod">;

/**
 * The manager's shared cache: one {@link Informer} per kind (and selector), created on first request and
 * shared by every controller that reads or watches that kind. Informers requested after {@link start}
 * start at once. Cached objects carry no `metadata.managedFields` (as in Flux's controllers).
 */
export class ObjectCache {
  private readonly informers = new Map<string, Informer<ApiObject>>();
  private started = false;

  constructor(
    private readonly client: KubeClient,
    private readonly options: ObjectCacheOptions = {},
  ) {}

  /** The shared informer for a kind (created on first use). */
  informerFor<T extends ApiObject>(apiVersion: string, kind: string, request: InformerRequest = {}): Informer<T> {
    const key = [apiVersion, kind, request.labelSelector ?? "", request.fieldSelector ?? ""].join("|");
    let informer = this.informers.get(key);
    if (!informer) {
      informer = new Informer<ApiObject>(
        this.client,
        { apiVersion, kind },
        {
          namespace: this.options.namespace,
          labelSelector: request.labelSelector,
          fieldSelector: request.fieldSelector,
          resyncPeriod: request.resyncPeriod ?? this.options.resyncPeriod,
          logger: this.options.logger,
          stripManagedFields: true,
        },
      );
      this.informers.set(key, informer);
      if (this.started) informer.start();
    }
    return informer as unknown as Informer<T>;
  }

  /** Starts every informer (and any created later). */
  start(): void {
    this.started = true;
    for (const informer of this.informers.values()) informer.start();
  }

  /** True when every informer has done its first list. */
  hasSynced(): boolean {
    return [...this.informers.values()].every((i) => i.hasSynced());
  }

  /** Kinds whose informer has not synced yet, with the last error if any (for `/readyz`). */
  unsynced(): string[] {
    return [...this.informers.values()]
      .filter((i) => !i.hasSynced())
      .map((i) => (i.error ? `${i.gvk.kind} (${i.error})` : i.gvk.kind));
  }

  /** Resolves when every informer has synced; rejects if `signal` aborts first. */
  async waitForSync(signal?: AbortSignal): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync(signal)));
  }

  /** Stops every informer. */
  async stop(): Promise<void> {
    this.started = false;
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
