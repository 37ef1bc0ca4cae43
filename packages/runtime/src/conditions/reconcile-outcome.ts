import { ConditionType, Reason } from "@sluice/api";
import { asReconcileError } from "../errors/reconcile-errors.js";
import {
  deleteCondition,
  getCondition,
  getConditions,
  isReady,
  isStalled,
  markStalled,
  type ObjectWithConditions,
  setCondition,
} from "./object-conditions.js";
import { type ReadySummary, summarizeReady } from "./summarize.js";

/** How a reconcile run ended, as the reconciler's `finally` block sees it. */
export interface ReconcileOutcome {
  /** What the steps threw, if anything. */
  error?: unknown;
  /**
   * False when the run finished without error but asked for an early retry (the generation is not done),
   * true when it did everything this generation needs. Ignored when `error` is set.
   */
  complete: boolean;
}

/** What {@link finalizeConditions} decided. */
export interface FinalizedStatus {
  /** Whether `status.observedGeneration` should now be set to `metadata.generation`. */
  observedGeneration: boolean;
  /**
   * The error the reconciler should throw to the controller: the original error (a StallingError makes the
   * controller stop retrying, a WaitingError requeues after its delay, others back off), or a new Error with
   * the Ready message when a complete run left Ready not True (so it is retried), or undefined.
   */
  error: unknown;
}

/**
 * Closes a reconcile run's conditions (source-controller's ComputeReconcileResult + SummarizeAndPatch):
 * - a complete, error-free run drops Reconciling; a Reconciling left behind gets reason ProgressingWithRetry;
 * - a StallingError marks Stalled=True and the generation observed; any other outcome drops Stalled;
 * - a complete run marks the generation observed;
 * - Ready is summarized from `ready`;
 * - a complete, error-free, not-stalled run whose Ready is not True returns an error so the key is retried.
 */
export function finalizeConditions(
  obj: ObjectWithConditions,
  outcome: ReconcileOutcome,
  ready: ReadySummary,
): FinalizedStatus {
  let error: unknown = outcome.error;
  let observed = false;
  const success = error === undefined && outcome.complete;

  if (success) deleteCondition(obj, ConditionType.Reconciling);
  const reconciling = getCondition(obj, ConditionType.Reconciling);
  if (reconciling) setCondition(obj, { ...reconciling, reason: Reason.ProgressingWithRetry });

  if (error !== undefined) {
    const typed = asReconcileError(error);
    if (typed.kind === "stalling") {
      markStalled(obj, typed.reason, typed.message);
      observed = true;
    } else {
      deleteCondition(obj, ConditionType.Stalled);
    }
  } else {
    deleteCondition(obj, ConditionType.Stalled);
    if (outcome.complete) observed = true;
  }

  summarizeReady(obj, ready);

  if (success && !isStalled(obj) && !isReady(obj)) {
    const readyCondition = getCondition(obj, ConditionType.Ready);
    error = new Error(readyCondition?.message || "reconciliation finished but the object is not Ready");
  }
  // Observing a generation only means something once the object carries conditions.
  return { observedGeneration: observed && getConditions(obj).length > 0, error };
}
