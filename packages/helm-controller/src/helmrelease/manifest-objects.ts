// The objects of a release manifest (what `helm get manifest` prints), with namespaces filled in for
// namespaced kinds, for drift detection and `status.inventory`.

import type { KubeClient, UnstructuredObject } from "@sluice/runtime";
import { objectIdOf, parseApiVersion } from "@sluice/runtime";
import { parseAllDocuments } from "yaml";

/** Parses a release manifest and sets the release namespace on namespaced objects that name none. */
export async function manifestObjects(
  client: KubeClient,
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

/** `status.inventory` entries `{id, v}` of the objects, sorted by id as Flux sorts them. */
export function inventoryOf(objects: readonly UnstructuredObject[]): { id: string; v: string }[] {
  const entries = objects.map((o) => ({ id: objectIdOf(o), v: parseApiVersion(o.apiVersion).version }));
  const unique = new Map(entries.map((e) => [e.id, e]));
  return [...unique.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
