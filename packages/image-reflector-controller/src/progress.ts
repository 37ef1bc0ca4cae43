// The first step of every image-reflector kind (Flux's ProgressiveStatus at the start of reconcile):
// Reconciling=True "reconciliation in progress", and on a new generation the generation change written at
// once so watchers see the object is being worked on.

import { ConditionType, Reason } from "@sluice/api";
import { markReconciling, type ObjectWithConditions, type ReconcileRun, setCondition } from "@sluice/runtime";

/** Marks the run in progress; writes it when the generation changed or a reconcile was requested. */
export async function reportProgress<T extends ObjectWithConditions & { metadata: { generation?: number } }>(
  run: ReconcileRun<T, unknown>,
): Promise<void> {
  const obj = run.obj;
  markReconciling(obj, Reason.Progressing, "reconciliation in progress");
  if (run.newGeneration) {
    const observed = (obj.status as { observedGeneration?: number } | undefined)?.observedGeneration ?? 0;
    markReconciling(
      obj,
      Reason.Progressing,
      `processing object: new generation ${Math.max(0, observed)} -> ${obj.metadata.generation ?? 0}`,
    );
  }
  if (run.newGeneration || run.reconcileRequested) await run.patch();
}

/** Ready=True with `message` (the steps' success; the summarizer drops Reconciling). */
export function markReady(obj: ObjectWithConditions, message: string): void {
  setCondition(obj, { type: ConditionType.Ready, status: "True", reason: Reason.Succeeded, message });
}
