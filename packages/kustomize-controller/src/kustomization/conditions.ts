// Status bookkeeping of a Kustomization run: owned conditions and the history digest (Flux's History.Upsert).
// The end-of-run rules (Flux's finalizeStatus) are the runtime skeleton's `readySetDirectly`.

import { createHash } from "node:crypto";
import { type Kustomization, KustomizationCondition, upsertHistory } from "@sluice/api";

/** Conditions the reconciler owns: on a status conflict, its version of them wins. */
export const KUSTOMIZATION_OWNED_CONDITIONS: readonly string[] = [
  KustomizationCondition.Healthy,
  KustomizationCondition.Ready,
  KustomizationCondition.Reconciling,
  KustomizationCondition.Stalled,
];

/**
 * `sha256:<hex>` of the built objects: the history digest of one set of manifests. Hashed as JSON, which is
 * several times cheaper than YAML for large sets (Flux hashes its YAML output, a different byte stream anyway).
 */
export function manifestsDigest(objects: readonly object[]): string {
  const hash = createHash("sha256");
  for (const obj of objects) hash.update(`${JSON.stringify(obj)}\n`);
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
