import { parseDuration } from "../../meta/duration.js";
import {
  DeletionPolicy,
  type DeletionPolicyName,
  SubstituteStrategy,
  type SubstituteStrategyName,
} from "./constants.js";
import type { KustomizationSpec } from "./kustomization.js";

// The defaults kustomize-controller applies in code (not in the CRD) when a field is unset.

const THIRTY_SECONDS = 30_000;

/** Operation timeout: `spec.timeout`, else interval − 30s; never less than 30s. */
export function kustomizationTimeoutMs(spec: Pick<KustomizationSpec, "interval" | "timeout">): number {
  const ms = spec.timeout !== undefined ? parseDuration(spec.timeout) : parseDuration(spec.interval) - THIRTY_SECONDS;
  return Math.max(ms, THIRTY_SECONDS);
}

/** Delay before retrying a failed reconciliation: `spec.retryInterval`, else `spec.interval`. */
export function kustomizationRetryIntervalMs(spec: Pick<KustomizationSpec, "interval" | "retryInterval">): number {
  return parseDuration(spec.retryInterval ?? spec.interval);
}

/** `spec.deletionPolicy`, defaulting to `MirrorPrune`. */
export function kustomizationDeletionPolicy(spec: Pick<KustomizationSpec, "deletionPolicy">): DeletionPolicyName {
  return spec.deletionPolicy ?? DeletionPolicy.MirrorPrune;
}

/**
 * Whether deleting the Kustomization deletes the objects it applied: never while suspended; otherwise
 * `Delete` and `WaitForTermination` always, `MirrorPrune` when `spec.prune` is true, `Orphan` never.
 */
export function kustomizationPrunesOnDelete(
  spec: Pick<KustomizationSpec, "deletionPolicy" | "prune" | "suspend">,
): boolean {
  if (spec.suspend === true) return false;
  switch (kustomizationDeletionPolicy(spec)) {
    case DeletionPolicy.Delete:
    case DeletionPolicy.WaitForTermination:
      return true;
    case DeletionPolicy.Orphan:
      return false;
    default:
      return spec.prune;
  }
}

/** `spec.postBuild.substituteStrategy`, defaulting to `WithVariables`. */
export function kustomizationSubstituteStrategy(spec: Pick<KustomizationSpec, "postBuild">): SubstituteStrategyName {
  return spec.postBuild?.substituteStrategy ?? SubstituteStrategy.WithVariables;
}
