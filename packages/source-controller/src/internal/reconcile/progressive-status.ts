import { ConditionType } from "@sluice/api";
import { getCondition, markReconciling, markUnknown, type ObjectWithConditions } from "@sluice/runtime/conditions";

/**
 * Records progress as Flux's ProgressiveStatus does: with `reconciling`, Reconciling=True (Stalled removed);
 * a Ready that is not False becomes Unknown with the same reason and message, so observers see the object
 * is being worked on.
 */
export function progressiveStatus(
  reconciling: boolean,
  obj: ObjectWithConditions,
  reason: string,
  message: string,
): void {
  if (reconciling) markReconciling(obj, reason, message);
  if (getCondition(obj, ConditionType.Ready)?.status === "False") return;
  markUnknown(obj, ConditionType.Ready, reason, message);
}
