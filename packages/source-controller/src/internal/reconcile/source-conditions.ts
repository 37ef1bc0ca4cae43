// The conditions every source kind shares (Flux's `<kind>ReadyCondition` summaries are one pattern): each kind
// adds its own failure conditions (IncludeUnavailable, BuildFailed) and, where it verifies, SourceVerified.

import { ConditionType, SourceCondition } from "@sluice/api";
import type { ReadySummary } from "@sluice/runtime/conditions";

/** A source kind's condition sets. */
export interface SourceConditionSets {
  /** Conditions the reconciler owns: on a status conflict, its version of them wins. */
  owned: readonly string[];
  /** How Ready is summarized from them. */
  ready: ReadySummary;
  /** Conditions whose presence means the last reconcile failed (used to announce a recovery). */
  fail: readonly string[];
}

/** What a kind adds to the shared conditions. */
export interface SourceConditionOptions {
  /** Abnormal-true conditions of the kind, summarized after FetchFailed (e.g. BuildFailed). */
  failures?: readonly string[] | undefined;
  /**
   * SourceVerified after ArtifactInStorage: `bipolar` when its False overrides Ready (Git, OCI), `positive`
   * when it is only summarized (HelmChart, as Flux).
   */
  verified?: "bipolar" | "positive" | undefined;
}

/**
 * The condition sets of a source kind: StorageOperationFailed, FetchFailed, the kind's failures and
 * ArtifactOutdated (abnormal-true), then ArtifactInStorage and SourceVerified, Stalled and Reconciling.
 */
export function sourceConditions(options: SourceConditionOptions = {}): SourceConditionSets {
  const failures = options.failures ?? [];
  const verified = options.verified ? [SourceCondition.SourceVerified] : [];
  const abnormal = [
    SourceCondition.StorageOperationFailed,
    SourceCondition.FetchFailed,
    ...failures,
    SourceCondition.ArtifactOutdated,
  ];
  const positive = [SourceCondition.ArtifactInStorage, ...verified];
  return {
    owned: [...abnormal, ...positive, ConditionType.Ready, ConditionType.Reconciling, ConditionType.Stalled],
    ready: {
      summarize: [...abnormal, ...positive, ConditionType.Stalled, ConditionType.Reconciling],
      negativePolarity: [...abnormal, ConditionType.Stalled, ConditionType.Reconciling],
      ...(options.verified === "bipolar" ? { biPolarity: verified } : {}),
    },
    fail: [SourceCondition.FetchFailed, ...failures, SourceCondition.StorageOperationFailed],
  };
}
