// `status.inventory` of a release, from its manifest's objects (parsed by @sluice/helm-storage's
// `manifestObjects`).

import type { UnstructuredObject } from "@sluice/runtime";
import { objectIdOf, parseApiVersion } from "@sluice/runtime";

/** `status.inventory` entries `{id, v}` of the objects, sorted by id as Flux sorts them. */
export function inventoryOf(objects: readonly UnstructuredObject[]): { id: string; v: string }[] {
  const entries = objects.map((o) => ({ id: objectIdOf(o), v: parseApiVersion(o.apiVersion).version }));
  const unique = new Map(entries.map((e) => [e.id, e]));
  return [...unique.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
