// How a run's end turns into Ready, Stalled, Reconciling and observedGeneration: the skeleton calls the
// kind's summarizer once, in its end-of-run path.

import { ConditionType, Reason } from "@sluice/api";
import {
  deleteCondition,
  getCondition,
  isFalse,
  isTrue,
  markFalse,
  markStalled,
  type ObjectWithConditions,
  setCondition,
} from "../conditions/object-conditions.js";
import { type FinalizedStatus, finalizeConditions, type ReconcileOutcome } from "../conditions/reconcile-outcome.js";
import type { ReadySummary } from "../conditions/summarize.js";
import { asReconcileError } from "../errors/reconcile-errors.js";

/**
 * Closes a run's conditions: given how the steps ended, sets Ready (and Stalled, Reconciling) on `obj` and
 * says whether the generation is observed and which error the controller gets (see {@link FinalizedStatus}).
 */
export type Summarizer<T> = (obj: T, outcome: ReconcileOutcome) => FinalizedStatus;

/**
 * Ready derived from the owned conditions by a table (Flux's source-controller `summarize` package): the
 * steps set their own conditions (FetchFailed, ArtifactInStorage, …) and never Ready; at the end Reconciling
 * and Stalled follow the outcome and Ready is summarized from `table` (see `finalizeConditions`). A complete
 * run whose Ready is not True is retried.
 */
export function summarizeReadyFrom(table: ReadySummary): Summarizer<ObjectWithConditions> {
  return (obj, outcome) => finalizeConditions(obj, outcome, table);
}

/**
 * Ready set directly, as Flux's kustomize-controller does: the steps mark Ready themselves on success and
 * progress (`Applied revision: …`, `Reconciliation in progress`), and a failed run's Ready=False takes the
 * error's reason and message (a StallingError also marks Stalled and observes the generation). Then Flux's
 * finalizeStatus rules: Ready=True drops Reconciling and observes the generation; Ready=False with
 * Reconciling left makes its reason `ProgressingWithRetry`.
 */
export const readySetDirectly: Summarizer<ObjectWithConditions> = (obj, outcome) => {
  const error = outcome.error === undefined ? undefined : asReconcileError(outcome.error);
  let observed = false;
  if (error) {
    markFalse(obj, ConditionType.Ready, error.reason, error.message);
    if (error.kind === "stalling") {
      markStalled(obj, error.reason, error.message);
      observed = true;
    }
  }
  if (isTrue(obj, ConditionType.Ready)) {
    deleteCondition(obj, ConditionType.Reconciling);
    observed = true;
  }
  const reconciling = getCondition(obj, ConditionType.Reconciling);
  if (reconciling && isFalse(obj, ConditionType.Ready)) {
    setCondition(obj, { ...reconciling, reason: Reason.ProgressingWithRetry });
  }
  return { observedGeneration: observed, error };
};
