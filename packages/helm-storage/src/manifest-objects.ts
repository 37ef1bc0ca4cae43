// The objects of a release manifest (what `helm get manifest` prints), with namespaces filled in for
// namespaced kinds: helm-controller's drift detection and inventory, and the CLI's `sluice tree helmrelease`.

import type { KubeClient, UnstructuredObject } from "@sluice/runtime/kube";
import { parseAllDocuments } from "yaml";

/**
 * Parses a release manifest and sets `namespace` (the release namespace) on the namespaced objects that name
 * none; a kind the API does not know is treated as namespaced, as helm does.
 */
export async function manifestObjects(
  client: Pick<KubeClient, "resourceFor">,
  manifest: string,
  namespace: string,
): Promise<UnstructuredObject[]> {
  const out: UnstructuredObject[] = [];
  for (const doc of parseAllDocuments(manifest)) {
    const obj = doc.toJS() as UnstructuredObject | null;
    if (!obj || typeof obj !== "object" || !obj.kind || !obj.apiVersion) continue;
    obj.metadata ??= {};
    if (!obj.metadata.namespace) {
      try {
        const resource = await client.resourceFor(obj.apiVersion, obj.kind);
        if (resource.namespaced) obj.metadata.namespace = namespace;
      } catch {
        obj.metadata.namespace = namespace;
      }
    }
    out.push(obj);
  }
  return out;
}
