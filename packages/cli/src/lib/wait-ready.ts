// Waiting for a Flux object to become Ready, and for a requested reconcile to be handled, with flux's verdicts.

import type { UnstructuredObject } from "@sluice/runtime";
import type { CommandContext } from "../context.js";
import type { CliKind } from "../kinds.js";
import { readiness, statusString } from "./object-status.js";
import { poll } from "./wait.js";

/** Waits until the object is Ready at its current generation; throws with its Ready message when it fails. */
export async function waitReady(
  ctx: CommandContext,
  kind: CliKind,
  namespace: string,
  name: string,
): Promise<UnstructuredObject> {
  return poll(
    async () => {
      const obj = await ctx
        .kube()
        .get<UnstructuredObject>({ apiVersion: kind.apiVersion, kind: kind.kind, namespace, name });
      const verdict = readiness(obj);
      if (verdict.state === "failed") return { failed: verdict.message };
      return verdict.state === "ready" ? { done: true, value: obj } : { done: false };
    },
    { timeoutMs: ctx.timeoutMs, what: `${kind.kind} ${namespace}/${name} to become ready`, signal: ctx.io.signal },
  );
}

/**
 * Waits until `status.lastHandledReconcileAt` equals `requestedAt` and Ready is known (True or False) at the
 * current generation; returns the object (the caller reports failure when Ready is False).
 */
export async function waitReconciled(
  ctx: CommandContext,
  kind: CliKind,
  namespace: string,
  name: string,
  requestedAt: string,
): Promise<UnstructuredObject> {
  return poll(
    async () => {
      const obj = await ctx
        .kube()
        .get<UnstructuredObject>({ apiVersion: kind.apiVersion, kind: kind.kind, namespace, name });
      if (statusString(obj, "lastHandledReconcileAt") !== requestedAt) return { done: false };
      const verdict = readiness(obj);
      return verdict.state === "pending" ? { done: false } : { done: true, value: obj };
    },
    { timeoutMs: ctx.timeoutMs, what: `${kind.kind} ${namespace}/${name} reconciliation`, signal: ctx.io.signal },
  );
}
