// `--watch-label-selector`: the reconciled kinds are watched (listed, cached) with a label selector, so a
// controller instance only ever sees its shard's objects, as Flux's sharding does.

import { type Informer, type InformerRequest, ObjectCache } from "@sluice/runtime/cache";
import type { ApiObject, KubeClient } from "@sluice/runtime/kube";

/**
 * A view of the manager's shared cache that adds `labelSelector` to the informers of the given kinds and
 * hands out the manager's informers for every other kind. Give it to a Controller as its `cache`: the
 * informers it creates live (and are started, synced and checked by `/readyz`) in the manager's cache.
 */
export class LabelSelectedCache extends ObjectCache {
  readonly #base: ObjectCache;
  readonly #labelSelector: string;
  readonly #kinds: ReadonlySet<string>;

  constructor(
    client: KubeClient,
    base: ObjectCache,
    labelSelector: string,
    kinds: ReadonlyArray<{ apiVersion: string; kind: string }>,
  ) {
    super(client);
    this.#base = base;
    this.#labelSelector = labelSelector;
    this.#kinds = new Set(kinds.map((k) => `${k.apiVersion}|${k.kind}`));
  }

  /** The manager's informer for the kind, restricted by the label selector when the kind is selected. */
  override informerFor<T extends ApiObject>(
    apiVersion: string,
    kind: string,
    request: InformerRequest = {},
  ): Informer<T> {
    if (!this.#kinds.has(`${apiVersion}|${kind}`)) return this.#base.informerFor<T>(apiVersion, kind, request);
    const labelSelector = request.labelSelector
      ? `${request.labelSelector},${this.#labelSelector}`
      : this.#labelSelector;
    return this.#base.informerFor<T>(apiVersion, kind, { ...request, labelSelector });
  }
}
