// Reading the parts of a Flux object's status the CLI prints: Ready, revision, suspend, reconcile handling.

import type { UnstructuredObject } from "@sluice/runtime/kube";

/** A status condition as stored. */
export interface CondLike {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** The object's status conditions. */
export function conditionsOf(obj: UnstructuredObject): CondLike[] {
  const status = obj["status"] as { conditions?: CondLike[] } | undefined;
  return status?.conditions ?? [];
}

/** One condition by type. */
export function conditionOf(obj: UnstructuredObject, type: string): CondLike | undefined {
  return conditionsOf(obj).find((c) => c.type === type);
}

/** `status.<field>` as a string, or "". */
export function statusString(obj: UnstructuredObject, field: string): string {
  const v = (obj["status"] as Record<string, unknown> | undefined)?.[field];
  return typeof v === "string" ? v : "";
}

/** The revision flux's `get` prints: the artifact's for sources, last applied for Kustomizations, chart for HelmReleases. */
export function revisionOf(obj: UnstructuredObject): string {
  const status = (obj["status"] ?? {}) as Record<string, unknown>;
  if (obj.kind === "Kustomization") return String(status["lastAppliedRevision"] ?? "");
  if (obj.kind === "HelmRelease") {
    const history = status["history"] as { chartVersion?: string }[] | undefined;
    return history?.[0]?.chartVersion ?? String(status["lastAttemptedRevision"] ?? "");
  }
  const artifact = status["artifact"] as { revision?: string } | undefined;
  return artifact?.revision ?? "";
}

/** Whether `spec.suspend` is true. */
export function isSuspended(obj: UnstructuredObject): boolean {
  return (obj["spec"] as { suspend?: boolean } | undefined)?.suspend === true;
}

/** Ready's status (`True`, `False`, `Unknown`) and message; `Unknown`/"" when the object has no Ready yet. */
export function readyOf(obj: UnstructuredObject): { status: string; message: string } {
  const ready = conditionOf(obj, "Ready");
  if (!ready) return { status: "Unknown", message: "waiting to be reconciled" };
  return { status: ready.status, message: ready.message ?? "" };
}

/** Whether the controller has seen the current generation. */
export function generationObserved(obj: UnstructuredObject): boolean {
  // Flux leaves status.observedGeneration at -1 until a run succeeds; the Ready condition records it too.
  const ready = conditionOf(obj, "Ready") as { observedGeneration?: number } | undefined;
  const observed = Math.max(
    (obj["status"] as { observedGeneration?: number } | undefined)?.observedGeneration ?? -1,
    ready?.observedGeneration ?? -1,
  );
  return observed >= (obj.metadata.generation ?? 0);
}

/**
 * The readiness verdict flux's wait loop gives: `ready` (Ready=True at the current generation), `failed` with a
 * message (Stalled, or Ready=False while no longer Reconciling), or `pending`.
 */
export function readiness(
  obj: UnstructuredObject,
): { state: "ready" | "pending" } | { state: "failed"; message: string } {
  if (!generationObserved(obj)) return { state: "pending" };
  const stalled = conditionOf(obj, "Stalled");
  if (stalled?.status === "True") return { state: "failed", message: failureMessage(obj) };
  const ready = conditionOf(obj, "Ready");
  if (!ready || ready.status === "Unknown") return { state: "pending" };
  if (ready.status === "True") return { state: "ready" };
  if (conditionOf(obj, "Reconciling")?.status === "True") return { state: "pending" };
  return { state: "failed", message: failureMessage(obj) };
}

/**
 * Why the object is not Ready: its Ready message, followed by the first line of each other False
 * condition whose message adds something (e.g. a HelmRelease's `Released` holding helm's error while Ready
 * carries a remediation's outcome).
 */
export function failureMessage(obj: UnstructuredObject): string {
  const ready = conditionOf(obj, "Ready");
  const base = ready?.message || "not ready";
  const details = conditionsOf(obj)
    .filter((c) => c.type !== "Ready" && c.status === "False" && c.message && !base.includes(c.message))
    .map((c) => `${c.type}: ${(c.message ?? "").split("\n")[0]}`);
  return details.length > 0 ? `${base} (${details.join("; ")})` : base;
}
