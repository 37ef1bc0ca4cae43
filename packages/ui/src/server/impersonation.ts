// Kubernetes clients that act as the logged-in user: the UI's own credentials plus Impersonate-User and
// Impersonate-Group headers, so the cluster's RBAC decides what the user may do.

import { KubeClient, type KubeConfigLike, type KubeRequestOptions } from "@sluice/runtime/kube";
import type { UiUser } from "./sessions.js";

/** A kubeconfig that adds impersonation headers for one user to every request of the base kubeconfig. */
function impersonatingConfig(base: KubeConfigLike, user: UiUser): KubeConfigLike {
  return {
    clusters: base.clusters,
    users: base.users,
    contexts: base.contexts,
    getCurrentContext: () => base.getCurrentContext(),
    getContextObject: (name) => base.getContextObject(name),
    getCurrentCluster: () => base.getCurrentCluster(),
    getCurrentUser: () => base.getCurrentUser(),
    exportConfig: () => base.exportConfig(),
    async applyToHTTPSOptions(opts: KubeRequestOptions) {
      await base.applyToHTTPSOptions(opts);
      opts.headers ??= {};
      opts.headers["Impersonate-User"] = user.name;
      // One `Impersonate-Group` line per group (the runtime's transport sends a list so).
      if (user.groups.length > 0) opts.headers["Impersonate-Group"] = [...user.groups];
    },
  };
}

/** One impersonating client per user, created on first use. */
export class ImpersonatingClients {
  private readonly clients = new Map<string, KubeClient>();

  constructor(private readonly base: KubeConfigLike) {}

  /** The client acting as `user`. */
  for(user: UiUser): KubeClient {
    const key = `${user.name}\u0000${user.groups.join(",")}`;
    let client = this.clients.get(key);
    if (!client) {
      client = KubeClient.fromKubeConfig(impersonatingConfig(this.base, user));
      this.clients.set(key, client);
    }
    return client;
  }

  /** Closes every client. */
  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
