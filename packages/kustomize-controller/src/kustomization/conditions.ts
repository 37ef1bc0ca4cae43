// Status bookkeeping of a Kustomization run: owned conditions, the end-of-run status rules and the history
// digest (Flux's finalizeStatus and History.Upsert).

import { createHash } from "node:crypto";
import {
  Annotation,
  ConditionType,
  type Kustomization,
  KustomizationCondition,
  KustomizationReason,
  upsertHistory,
} from "@sluice/api";
import { deleteCondition, getCondition, isFalse, isTrue, setCondition } from "@sluice/runtime";
import { stringify } from "yaml";

/** Conditions the reconciler owns: on a status conflict, its version of them wins. */
export const KUSTOMIZATION_OWNED_CONDITIONS: readonly string[] = [
  KustomizationCondition.Healthy,
  KustomizationCondition.Ready,
  KustomizationCondition.Reconciling,
  KustomizationCondition.Stalled,
];

/**
 * The end-of-run status rules (Flux's finalizeStatus): mirrors `reconcile.fluxcd.io/requestedAt` into
 * `lastHandledReconcileAt`; Ready=True drops Reconciling and observes the generation; Ready=False with
 * Reconciling left makes its reason `ProgressingWithRetry`.
 */
export function finalizeKustomizationStatus(obj: Kustomization): void {
  obj.status ??= {};
  const requested = obj.metadata.annotations?.[Annotation.ReconcileRequestedAt];
  if (requested !== undefined) obj.status.lastHandledReconcileAt = requested;
  if (isTrue(obj, ConditionType.Ready)) {
    deleteCondition(obj, ConditionType.Reconciling);
    obj.status.observedGeneration = obj.metadata.generation ?? 0;
  }
  const reconciling = getCondition(obj, ConditionType.Reconciling);
  if (isFalse(obj, ConditionType.Ready) && reconciling) {
    setCondition(obj, { ...reconciling, reason: KustomizationReason.ProgressingWithRetry });
  }
}

/** `sha256:<hex>` of the built objects as YAML: the history digest of one set of manifests. */
export function manifestsDigest(objects: readonly object[]): string {
  const hash = createHash("sha256");
  for (const obj of objects) hash.update(`---\n${stringify(obj)}`);
  return `sha256:${hash.digest("hex")}`;
}

/** Records one reconciliation outcome in `status.history` (newest first, at most 5). */
export function recordHistory(
  obj: Kustomization,
  digest: string,
  started: number,
  status: string,
  metadata: Record<string, string>,
): void {
  obj.status ??= {};
  obj.status.history = upsertHistory(obj.status.history, {
    digest,
    time: new Date(),
    durationMs: Date.now() - started,
    status,
    metadata,
  });
}
