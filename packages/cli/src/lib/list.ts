// Listing Flux objects of one kind in the command's namespace (or all), sorted by namespace and name.

import { ApiError, type UnstructuredObject } from "@sluice/runtime/kube";
import type { CommandContext } from "../context.js";
import type { CliKind } from "../kinds.js";

/** Lists `kind` in `-n` or, with `allNamespaces`, everywhere; a kind the server does not serve lists empty when `optional`. */
export async function listKind(
  ctx: CommandContext,
  kind: CliKind,
  allNamespaces: boolean,
  optional = false,
  labelSelector?: string,
): Promise<UnstructuredObject[]> {
  try {
    const list = await ctx.kube().list<UnstructuredObject>(kind.apiVersion, kind.kind, {
      ...(allNamespaces ? {} : { namespace: ctx.namespace }),
      ...(labelSelector ? { labelSelector } : {}),
    });
    return list.items.sort(
      (a, b) =>
        (a.metadata.namespace ?? "").localeCompare(b.metadata.namespace ?? "") ||
        (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""),
    );
  } catch (err: unknown) {
    if (optional && err instanceof ApiError && err.status === 404) return [];
    throw err;
  }
}
