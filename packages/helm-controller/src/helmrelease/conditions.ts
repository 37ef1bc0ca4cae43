// Condition bookkeeping of HelmReleases: the owned conditions, the Ready summary helm-controller computes and
// the extra reasons it uses.

import { ConditionType, type HelmRelease, HelmReleaseCondition } from "@sluice/api";
import { getCondition, markFalse, type ObjectWithConditions, setSummary } from "@sluice/runtime";

/** Conditions helm-controller owns on a HelmRelease. */
export const HELM_RELEASE_OWNED_CONDITIONS = [
  HelmReleaseCondition.Ready,
  HelmReleaseCondition.Released,
  HelmReleaseCondition.TestSuccess,
  HelmReleaseCondition.Remediated,
  HelmReleaseCondition.Drifted,
  HelmReleaseCondition.Reconciling,
  HelmReleaseCondition.Stalled,
] as const;

/** Stalled reason once the failure counter exceeds the active remediation's retries. */
export const RetriesExceededReason = "RetriesExceeded";
/** Stalled reason for a spec the helm CLI cannot honour (e.g. a storage namespace apart from the release's). */
export const InvalidSpecReason = "InvalidSpec";
/** Ready reason while `spec.chartRef`/`spec.chart` sources are not ready or can't be loaded. */
export const ArtifactFailedReason = "ArtifactFailed";
/** Ready reason when values can't be composed from `valuesFrom`. */
export const InitFailedReason = "InitFailed";

/**
 * Derives Ready as helm-controller's summarize does: Stalled wins; otherwise the summary of Remediated
 * (abnormal when True), TestSuccess (only when tests are enabled and failures not ignored) and Released.
 */
export function summarizeHelmReleaseReady(obj: HelmRelease & ObjectWithConditions): void {
  const stalled = getCondition(obj, ConditionType.Stalled);
  if (stalled?.status === "True") {
    markFalse(obj, ConditionType.Ready, stalled.reason, stalled.message);
    return;
  }
  const conditions: string[] = [HelmReleaseCondition.Remediated];
  if (obj.spec.test?.enable && !obj.spec.test.ignoreFailures) conditions.push(HelmReleaseCondition.TestSuccess);
  conditions.push(HelmReleaseCondition.Released);
  setSummary(obj, ConditionType.Ready, { conditions, negativePolarity: [HelmReleaseCondition.Remediated] });
}
