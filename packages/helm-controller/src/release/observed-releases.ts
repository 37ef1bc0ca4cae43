// What an action wrote to Helm's release storage, found by reading storage before and after it (the helm CLI
// offers no storage hooks), and how helm-controller records those releases in `status.history`
// (observedReleases.recordOnObject and the per-action observers).

import type { HelmRelease, HelmReleaseSnapshot } from "@sluice/api";
import type { StoredRelease } from "@sluice/helm-storage";
import { statusOf } from "./request.js";
import { type SnapshotOptions, snapshotOf, targets } from "./snapshot.js";

/** Releases an action created or changed (newest first), and versions it removed from storage. */
export interface StorageChanges {
  written: StoredRelease[];
  removed: StoredRelease[];
}

/** Compares two reads of a release's storage. */
export function storageChanges(before: readonly StoredRelease[], after: readonly StoredRelease[]): StorageChanges {
  const old = new Map(before.map((r) => [r.version, r]));
  const now = new Set(after.map((r) => r.version));
  return {
    written: after.filter((r) => old.get(r.version)?.raw !== r.raw).sort((a, b) => b.version - a.version),
    removed: before.filter((r) => !now.has(r.version)),
  };
}

/**
 * Records the releases an install or upgrade wrote (helm-controller's recordOnObject): the newest becomes
 * the head of `status.history` (with `action` and the OCI digest); the first older one already in the
 * history is refreshed (e.g. now superseded), keeping its test hooks and OCI digest.
 */
export function recordReleases(obj: HelmRelease, written: readonly StoredRelease[], options: SnapshotOptions): void {
  const [newest, ...older] = written;
  if (!newest) return;
  const status = statusOf(obj);
  status.history = [snapshotOf(newest, options), ...(status.history ?? [])];
  for (const rls of older) {
    const i = status.history.findIndex((s) => targets(s, rls));
    if (i < 0) continue;
    const snap = status.history[i] as HelmReleaseSnapshot;
    status.history[i] = snapshotOf(rls, { action: snap.action, ociDigest: snap.ociDigest, testHooks: snap.testHooks });
    return;
  }
}

/**
 * Refreshes the history entries of releases an action touched, keeping their test hooks and OCI digest;
 * `action` replaces their recorded action when given. Releases not in the history are added at its head
 * when `addMissing` (a rollback's new release).
 */
export function refreshReleases(
  obj: HelmRelease,
  written: readonly StoredRelease[],
  action: string | undefined,
  addMissing: boolean,
): void {
  const status = statusOf(obj);
  status.history ??= [];
  for (const rls of [...written].reverse()) {
    const i = status.history.findIndex((s) => targets(s, rls));
    const snap = status.history[i];
    if (snap) {
      status.history[i] = snapshotOf(rls, {
        action: action ?? snap.action,
        ociDigest: snap.ociDigest,
        testHooks: snap.testHooks,
      });
    } else if (addMissing) {
      status.history.unshift(snapshotOf(rls, { action }));
    }
  }
}
