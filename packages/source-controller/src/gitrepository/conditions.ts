// How a GitRepository's Ready condition is derived (Flux's gitRepositoryReadyCondition).

import { ConditionType, SourceCondition } from "@sluice/api";
import type { ReadySummary } from "@sluice/runtime/conditions";

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
