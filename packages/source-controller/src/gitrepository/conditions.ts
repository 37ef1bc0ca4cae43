// How a GitRepository's Ready condition is derived, and the progress marker the steps set (Flux's
// gitRepositoryReadyCondition and rreconcile.ProgressiveStatus).

import { ConditionType, SourceCondition } from "@sluice/api";
import {
  getCondition,
  markReconciling,
  markUnknown,
  type ObjectWithConditions,
  type ReadySummary,
} from "@sluice/runtime";

/** Conditions the GitRepository reconciler owns: on a status conflict, its version of them wins. */
export const GIT_REPOSITORY_OWNED_CONDITIONS: readonly string[] = [
  SourceCondition.StorageOperationFailed,
  SourceCondition.FetchFailed,
  SourceCondition.IncludeUnavailable,
  SourceCondition.ArtifactOutdated,
  SourceCondition.ArtifactInStorage,
  SourceCondition.SourceVerified,
  ConditionType.Ready,
  ConditionType.Reconciling,
  ConditionType.Stalled,
];

/**
 * Ready of a GitRepository: summarized from the failure conditions first (StorageOperationFailed,
 * FetchFailed, IncludeUnavailable, ArtifactOutdated are abnormal-true), then ArtifactInStorage and
 * SourceVerified; a SourceVerified=False overrides Ready with its reason and message.
 */
export const GIT_REPOSITORY_READY: ReadySummary = {
  summarize: [
    SourceCondition.StorageOperationFailed,
    SourceCondition.FetchFailed,
    SourceCondition.IncludeUnavailable,
    SourceCondition.ArtifactOutdated,
    SourceCondition.ArtifactInStorage,
    SourceCondition.SourceVerified,
    ConditionType.Stalled,
    ConditionType.Reconciling,
  ],
  negativePolarity: [
    SourceCondition.StorageOperationFailed,
    SourceCondition.FetchFailed,
    SourceCondition.IncludeUnavailable,
    SourceCondition.ArtifactOutdated,
    ConditionType.Stalled,
    ConditionType.Reconciling,
  ],
  biPolarity: [SourceCondition.SourceVerified],
};

/** Conditions whose presence means the last reconcile failed (used to announce a recovery). */
export const GIT_REPOSITORY_FAIL_CONDITIONS: readonly string[] = [
  SourceCondition.FetchFailed,
  SourceCondition.IncludeUnavailable,
  SourceCondition.StorageOperationFailed,
];

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
