// Watch caches shared by every health check of a process: one list+watch per client, kind and namespace,
// kept while checks use it and for a while after, instead of a list+watch per check.

import { Informer } from "../cache/informer.js";
import { KeyDispatcher } from "../cache/key-dispatcher.js";
import type { KubeClient } from "../kube/kube-client.js";
import type { UnstructuredObject } from "../kube/object-ref.js";

/** A use of a shared informer; release it when done. */
export interface WatchLease {
  informer: Informer<UnstructuredObject>;
  /** The informer's events by object key, shared by every lease of it. */
  dispatcher: KeyDispatcher<UnstructuredObject>;
  release(): void;
}

interface Entry {
  informer: Informer<UnstructuredObject>;
  dispatcher: KeyDispatcher<UnstructuredObject>;
  users: number;
  idle: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Informers shared by key (client, apiVersion, kind, namespace). An informer starts with its first lease and
 * stops `idleMs` after its last lease is released (default 30 s), so checks following one another (many
 * Kustomizations applying into one namespace) reuse its cache instead of listing it again.
 */
export class SharedWatches {
  readonly #byClient = new WeakMap<KubeClient, Map<string, Entry>>();

  constructor(readonly idleMs = 30_000) {}

  /** A lease on the informer of this kind in `namespace` (all namespaces when undefined). */
  acquire(client: KubeClient, apiVersion: string, kind: string, namespace: string | undefined): WatchLease {
    let entries = this.#byClient.get(client);
    if (!entries) {
      entries = new Map();
      this.#byClient.set(client, entries);
    }
    const key = `${apiVersion}|${kind}|${namespace ?? ""}`;
    let entry = entries.get(key);
    if (!entry) {
      const informer = new Informer<UnstructuredObject>(
        client,
        { apiVersion, kind },
        { namespace, retryDelay: { min: 200, max: 2_000 }, stripManagedFields: true },
      );
      entry = { informer, dispatcher: new KeyDispatcher(informer), users: 0, idle: undefined };
      entries.set(key, entry);
      informer.start();
    }
    const current = entry;
    const map = entries;
    if (current.idle) clearTimeout(current.idle);
    current.idle = undefined;
    current.users++;
    let released = false;
    return {
      informer: current.informer,
      dispatcher: current.dispatcher,
      release: () => {
        if (released) return;
        released = true;
        current.users--;
        if (current.users > 0) return;
        current.idle = setTimeout(() => {
          if (current.users > 0) return;
          map.delete(key);
          void current.informer.stop();
        }, this.idleMs);
        current.idle.unref?.();
      },
    };
  }
}

/** The informers shared by the health checks of the process. */
export const sharedWatches = new SharedWatches();
