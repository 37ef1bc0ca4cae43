// Waiting for a Flux object to become Ready, and for a requested reconcile to be handled, with flux's verdicts.

import type { UnstructuredObject } from "@sluice/runtime/kube";
import type { CommandContext } from "../context.js";
import type { CliKind } from "../kinds.js";
import { conditionOf, generationObserved, readiness, statusString } from "./object-status.js";
import { poll } from "./wait.js";

/**
 * Waits until the object is Ready at its current generation; throws with its Ready message when it fails
 * (Stalled, or Ready=False once no longer Reconciling) or, on timeout, with the last Ready message seen.
 */
export async function waitReady(
  ctx: CommandContext,
  kind: CliKind,
  namespace: string,
  name: string,
): Promise<UnstructuredObject> {
  let last: string | undefined;
  return poll(
    async () => {
      const obj = await ctx
        .kube()
        .get<UnstructuredObject>({ apiVersion: kind.apiVersion, kind: kind.kind, namespace, name });
      last = conditionOf(obj, "Ready")?.message;
      const verdict = readiness(obj);
      if (verdict.state === "failed") return { failed: verdict.message };
      return verdict.state === "ready" ? { done: true, value: obj } : { done: false };
    },
    {
      timeoutMs: ctx.timeoutMs,
      what: `${kind.kind} ${namespace}/${name} to become ready`,
      signal: ctx.io.signal,
      lastState: () => last,
    },
  );
}

/**
 * Whether a handled reconcile has an outcome: the generation is observed, Ready is True or False, and the
 * controller is not mid-run (`Reconciling=True` with reason `Progressing`; `ProgressingWithRetry` means the
 * run ended in a failure that will be retried, which is an outcome).
 */
export function reconcileSettled(obj: UnstructuredObject): boolean {
  if (readiness(obj).state === "ready") return true;
  const ready = conditionOf(obj, "Ready");
  if (!ready || ready.status === "Unknown") return false;
  const reconciling = conditionOf(obj, "Reconciling");
  if (reconciling?.status === "True" && reconciling.reason !== "ProgressingWithRetry") return false;
  return generationObserved(obj);
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
  let last: string | undefined;
  return poll(
    async () => {
      const obj = await ctx
        .kube()
        .get<UnstructuredObject>({ apiVersion: kind.apiVersion, kind: kind.kind, namespace, name });
      last = conditionOf(obj, "Ready")?.message;
      if (statusString(obj, "lastHandledReconcileAt") !== requestedAt) return { done: false };
      return reconcileSettled(obj) ? { done: true, value: obj } : { done: false };
    },
    {
      timeoutMs: ctx.timeoutMs,
      what: `${kind.kind} ${namespace}/${name} reconciliation`,
      signal: ctx.io.signal,
      lastState: () => last,
    },
  );
}
