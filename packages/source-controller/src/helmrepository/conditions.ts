// How a HelmRepository's Ready condition is derived (Flux's helmRepositoryReadyCondition).

import { ConditionType, SourceCondition } from "@sluice/api";
import type { ReadySummary } from "@sluice/runtime/conditions";

/** Conditions the HelmRepository reconciler owns: on a status conflict, its version of them wins. */
export const HELM_REPOSITORY_OWNED_CONDITIONS: readonly string[] = [
  SourceCondition.StorageOperationFailed,
  SourceCondition.FetchFailed,
  SourceCondition.ArtifactOutdated,
  SourceCondition.ArtifactInStorage,
  ConditionType.Ready,
  ConditionType.Reconciling,
  ConditionType.Stalled,
];

/**
 * Ready of a HelmRepository: summarized from StorageOperationFailed, FetchFailed, ArtifactOutdated
 * (abnormal-true), then ArtifactInStorage, Stalled and Reconciling.
 */
export const HELM_REPOSITORY_READY: ReadySummary = {
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
export const HELM_REPOSITORY_FAIL_CONDITIONS: readonly string[] = [
  SourceCondition.FetchFailed,
  SourceCondition.StorageOperationFailed,
];
