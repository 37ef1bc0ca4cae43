// Reading the one object a command is about, with flux's one-line error when it does not exist.

import type { UnstructuredObject } from "@sluice/runtime/kube";
import type { CommandContext } from "../context.js";
import { CliError } from "../errors.js";
import type { CliKind } from "../kinds.js";
import { crdMissingMessage, isKindNotServed } from "./explain-error.js";

/** The object, or a CliError `<Kind> '<ns>/<name>' not found`. */
export async function getObject(
  ctx: CommandContext,
  kind: CliKind,
  name: string,
  namespace = ctx.namespace,
): Promise<UnstructuredObject> {
  const obj = await ctx
    .kube()
    .getOptional<UnstructuredObject>({ apiVersion: kind.apiVersion, kind: kind.kind, namespace, name });
  if (!obj) {
    await assertServed(ctx, kind);
    throw new CliError(`${kind.kind} '${namespace}/${name}' not found`);
  }
  return obj;
}

/** The API reference of an object (namespace only when it has one). */
export function refOf(obj: UnstructuredObject): { apiVersion: string; kind: string; namespace?: string; name: string } {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.metadata.name ?? "",
    ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
  };
}

/** Throws naming the fix when the server does not serve `kind` (its CRD is not installed). */
export async function assertServed(ctx: CommandContext, kind: CliKind): Promise<void> {
  try {
    await ctx.kube().resourceFor(kind.apiVersion, kind.kind);
  } catch (err: unknown) {
    if (isKindNotServed(err)) throw new CliError(crdMissingMessage(`${kind.kind} (${kind.apiVersion})`));
    throw err;
  }
}
