// Condition bookkeeping of HelmReleases outside the release actions: the conditions helm-controller owns
// (its patches win on conflicts) and the reasons its reconcile steps set on Ready.

import { HelmReleaseCondition } from "@sluice/api";

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
/** Stalled reason when an upgrade remediation finds no release to roll back to. */
export const MissingRollbackTargetReason = "MissingRollbackTarget";
/** Ready reason when values can't be composed from `valuesFrom`. */
export const ValuesErrorReason = "ValuesError";
/** Ready reason when the release state cannot be determined from Helm's storage. */
export const StateErrorReason = "StateError";
/** Ready reason when an action fails while Ready was True. */
export const ReconcileErrorReason = "ReconcileError";
