// The objects of a HelmRelease's current Helm release, read from Helm's storage Secret with
// @sluice/helm-storage (the reader helm-controller uses).

import type { UnstructuredObject } from "@sluice/runtime/kube";
import type { CommandContext } from "../context.js";

/** One object of a release manifest. */
export interface ManifestObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string | undefined;
}

/** The objects of the HelmRelease's current Helm release; empty when it has none (not installed yet). */
export async function helmReleaseObjects(ctx: CommandContext, hr: UnstructuredObject): Promise<ManifestObject[]> {
  const status = (hr["status"] ?? {}) as {
    storageNamespace?: string;
    history?: { name?: string; namespace?: string; version?: number }[];
  };
  const latest = status.history?.[0];
  if (!latest?.name || latest.version === undefined) return [];
  const storageNs = status.storageNamespace ?? latest.namespace ?? hr.metadata.namespace ?? ctx.namespace;
  // Loaded on use, as the CLI loads everything Helm-specific only when a command needs it.
  const { getStoredRelease, manifestObjects } = await import("@sluice/helm-storage");
  const release = await getStoredRelease(ctx.kube(), storageNs, latest.name, latest.version);
  if (!release) return [];
  const objects = await manifestObjects(ctx.kube(), release.manifest ?? "", latest.namespace ?? storageNs);
  return objects.map((o) => ({
    apiVersion: o.apiVersion,
    kind: o.kind,
    name: o.metadata.name ?? "",
    namespace: o.metadata.namespace,
  }));
}
