// Create-or-update of a Flux object the way `flux create` does: a new object is created; an existing one gets
// the generated labels and spec (status untouched).

import type { UnstructuredObject } from "@sluice/runtime/kube";
import type { CommandContext } from "../context.js";
import { refOf } from "./get-object.js";

/**
 * The field manager of objects `create` writes: the one the API server records for `flux create` (its
 * controller-runtime client sets none, so the server derives it from the `flux/<version>` user agent), with
 * operation Update. Objects made by either CLI then have the same managed fields.
 */
export const CREATE_FIELD_MANAGER = "flux";

/** Creates `obj` or replaces the labels and spec of the existing one; tells which happened. */
export async function upsert(
  ctx: CommandContext,
  obj: UnstructuredObject,
): Promise<{ object: UnstructuredObject; created: boolean }> {
  const kube = ctx.kube();
  const existing = await kube.getOptional<UnstructuredObject>(refOf(obj));
  if (!existing) return { object: await kube.create(obj, { fieldManager: CREATE_FIELD_MANAGER }), created: true };
  const updated: UnstructuredObject = {
    ...existing,
    metadata: { ...existing.metadata, labels: { ...existing.metadata.labels, ...obj.metadata.labels } },
    spec: obj["spec"],
  };
  return { object: await kube.replace(updated, { fieldManager: CREATE_FIELD_MANAGER }), created: false };
}
