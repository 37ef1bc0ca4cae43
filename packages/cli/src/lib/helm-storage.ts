// The objects of a Helm release, read from Helm's storage Secret (`sh.helm.release.v1.<name>.v<version>`,
// data `release` = base64 of gzipped release JSON whose `manifest` holds the rendered YAML).

import type { UnstructuredObject } from "@sluice/runtime";
import { parseAllDocuments } from "yaml";
import type { CommandContext } from "../context.js";

/** One object of a release manifest. */
export interface ManifestObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
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
  const secret = await ctx.kube().getOptional<UnstructuredObject>({
    apiVersion: "v1",
    kind: "Secret",
    namespace: storageNs,
    name: `sh.helm.release.v1.${latest.name}.v${latest.version}`,
  });
  const data = (secret?.["data"] as { release?: string } | undefined)?.release;
  if (!data) return [];
  const releaseNs = latest.namespace ?? storageNs;
  // helm-controller's decoder (loaded only here, as the CLI loads controllers only when a command needs them);
  // the Secret's own base64 wraps Helm's.
  const { decodeRelease } = await import("@sluice/helm-controller");
  return manifestObjects(decodeRelease(Buffer.from(data, "base64").toString("utf8")).manifest ?? "", releaseNs);
}

/** The objects of a multi-document manifest; namespaced objects without a namespace get `defaultNamespace`. */
export function manifestObjects(manifest: string, defaultNamespace: string): ManifestObject[] {
  const out: ManifestObject[] = [];
  for (const doc of parseAllDocuments(manifest)) {
    const obj = doc.toJS() as {
      apiVersion?: string;
      kind?: string;
      metadata?: { name?: string; namespace?: string };
    } | null;
    if (!obj?.kind || !obj.metadata?.name) continue;
    out.push({
      apiVersion: obj.apiVersion ?? "v1",
      kind: obj.kind,
      name: obj.metadata.name,
      namespace: obj.metadata.namespace ?? defaultNamespace,
    });
  }
  return out;
}
