// How a Bucket's Ready condition is derived (Flux's bucketReadyCondition).

import { ConditionType, SourceCondition } from "@sluice/api";
import type { ReadySummary } from "@sluice/runtime/conditions";

/** Conditions the Bucket reconciler owns: on a status conflict, its version of them wins. */
export const BUCKET_OWNED_CONDITIONS: readonly string[] = [
  SourceCondition.StorageOperationFailed,
  SourceCondition.FetchFailed,
  SourceCondition.ArtifactOutdated,
  SourceCondition.ArtifactInStorage,
  ConditionType.Ready,
  ConditionType.Reconciling,
  ConditionType.Stalled,
];

/**
 * Ready of a Bucket: summarized from StorageOperationFailed, FetchFailed and ArtifactOutdated (abnormal-true),
 * then ArtifactInStorage.
 */
export const BUCKET_READY: ReadySummary = {
  summarize: [
    SourceCondition.StorageOperationFailed,
    SourceCondition.FetchFailed,
    SourceCondition.ArtifactOutdated,
    SourceCondition.ArtifactInStorage,
    ConditionType.Stalled,
    ConditionType.Reconciling,
  ],
  negativePolarity: [
    SourceCondition.StorageOperationFailed,
    SourceCondition.FetchFailed,
    SourceCondition.ArtifactOutdated,
    ConditionType.Stalled,
    ConditionType.Reconciling,
  ],
};

/** Conditions whose presence means the last reconcile failed (used to announce a recovery). */
export const BUCKET_FAIL_CONDITIONS: readonly string[] = [
  SourceCondition.FetchFailed,
  SourceCondition.StorageOperationFailed,
];
