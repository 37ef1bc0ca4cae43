// Create-or-update of a Flux object the way `flux create` does: a new object is created; an existing one gets
// the generated labels and spec (status untouched).

import type { UnstructuredObject } from "@sluice/runtime/kube";
import type { CommandContext } from "../context.js";
import { refOf } from "./get-object.js";

/** Creates `obj` or replaces the labels and spec of the existing one; tells which happened. */
export async function upsert(
  ctx: CommandContext,
  obj: UnstructuredObject,
): Promise<{ object: UnstructuredObject; created: boolean }> {
  const kube = ctx.kube();
  const existing = await kube.getOptional<UnstructuredObject>(refOf(obj));
  if (!existing) return { object: await kube.create(obj), created: true };
  const updated: UnstructuredObject = {
    ...existing,
    metadata: { ...existing.metadata, labels: { ...existing.metadata.labels, ...obj.metadata.labels } },
    spec: obj["spec"],
  };
  return { object: await kube.replace(updated), created: false };
}
