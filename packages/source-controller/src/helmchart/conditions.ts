// How a HelmChart's Ready condition is derived (Flux's helmChartReadyCondition).

import { ConditionType, SourceCondition } from "@sluice/api";
import type { ReadySummary } from "@sluice/runtime/conditions";

/** Conditions the HelmChart reconciler owns: on a status conflict, its version of them wins. */
export const HELM_CHART_OWNED_CONDITIONS: readonly string[] = [
  SourceCondition.StorageOperationFailed,
  SourceCondition.FetchFailed,
  SourceCondition.BuildFailed,
  SourceCondition.ArtifactOutdated,
  SourceCondition.ArtifactInStorage,
  SourceCondition.SourceVerified,
  ConditionType.Ready,
  ConditionType.Reconciling,
  ConditionType.Stalled,
];

/**
 * Ready of a HelmChart: summarized from StorageOperationFailed, FetchFailed, BuildFailed, ArtifactOutdated
 * (abnormal-true), then ArtifactInStorage, SourceVerified, Stalled and Reconciling.
 */
export const HELM_CHART_READY: ReadySummary = {
  summarize: [
    SourceCondition.StorageOperationFailed,
    SourceCondition.FetchFailed,
    SourceCondition.BuildFailed,
    SourceCondition.ArtifactOutdated,
    SourceCondition.ArtifactInStorage,
    SourceCondition.SourceVerified,
    ConditionType.Stalled,
    ConditionType.Reconciling,
  ],
  negativePolarity: [
    SourceCondition.StorageOperationFailed,
    SourceCondition.FetchFailed,
    SourceCondition.BuildFailed,
    SourceCondition.ArtifactOutdated,
    ConditionType.Stalled,
    ConditionType.Reconciling,
  ],
};

/** Conditions whose presence means the last reconcile failed (used to announce a recovery). */
export const HELM_CHART_FAIL_CONDITIONS: readonly string[] = [
  SourceCondition.BuildFailed,
  SourceCondition.FetchFailed,
  SourceCondition.StorageOperationFailed,
];
