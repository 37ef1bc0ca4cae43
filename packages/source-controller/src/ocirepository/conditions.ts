// How an OCIRepository's Ready condition is derived (Flux's ociRepositoryReadyCondition).

import { ConditionType, SourceCondition } from "@sluice/api";
import type { ReadySummary } from "@sluice/runtime/conditions";

/** Conditions the OCIRepository reconciler owns: on a status conflict, its version of them wins. */
export const OCI_REPOSITORY_OWNED_CONDITIONS: readonly string[] = [
  SourceCondition.StorageOperationFailed,
  SourceCondition.FetchFailed,
  SourceCondition.ArtifactOutdated,
  SourceCondition.ArtifactInStorage,
  SourceCondition.SourceVerified,
  ConditionType.Ready,
  ConditionType.Reconciling,
  ConditionType.Stalled,
];

/**
 * Ready of an OCIRepository: summarized from StorageOperationFailed, FetchFailed and ArtifactOutdated
 * (abnormal-true), then ArtifactInStorage and SourceVerified (bipolar: False overrides Ready).
 */
export const OCI_REPOSITORY_READY: ReadySummary = {
  summarize: [
    SourceCondition.StorageOperationFailed,
    SourceCondition.FetchFailed,
    SourceCondition.ArtifactOutdated,
    SourceCondition.ArtifactInStorage,
    SourceCondition.SourceVerified,
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
  biPolarity: [SourceCondition.SourceVerified],
};

/** Conditions whose presence means the last reconcile failed (used to announce a recovery). */
export const OCI_REPOSITORY_FAIL_CONDITIONS: readonly string[] = [
  SourceCondition.FetchFailed,
  SourceCondition.StorageOperationFailed,
];
