// Which action a release state calls for (helm-controller's AtomicRelease.actionForState). Pure: no I/O; it
// only updates the HelmRelease's status the way helm-controller does while deciding (history trimmed,
// a stale Remediated or failed Released replaced, Drifted set, force requests recorded).

import {
  fullReleaseName,
  type HelmRelease,
  HelmReleaseCondition,
  HelmReleaseReason,
  type HelmReleaseSnapshot,
  sortSnapshotsByVersion,
  truncateReleaseSnapshots,
  versionedChartName,
} from "@sluice/api";
import type { StoredRelease } from "@sluice/helm-storage";
import { getCondition, isReady, isTrue, markFalse, markTrue, setCondition } from "@sluice/runtime";
import { shouldHandleForceRequest } from "./annotation-requests.js";
import { correctClusterDrift } from "./correct-cluster-drift.js";
import { install, installSucceededMessage } from "./install.js";
import { observationDigest } from "./observation-digest.js";
import { activeRemediation, activeRetry, installRemediationOf, upgradeRemediationOf } from "./remediation.js";
import { latestSnapshot, type ReleaseAction, type ReleaseRequest, statusOf } from "./request.js";
import { rollbackRemediation, rollbackTarget } from "./rollback-remediation.js";
import { type ReleaseState, ReleaseStatus } from "./state.js";
import { summarize } from "./summarize.js";
import { test } from "./test.js";
import { uninstallRemediation } from "./uninstall.js";
import { unlock } from "./unlock.js";
import { upgrade, upgradeSucceededMessage } from "./upgrade.js";

/** Why no action can be chosen; the atomic release turns each kind into Stalled or an error. */
export class ActionForStateError extends Error {
  constructor(
    readonly kind: "exceeded-max-retries" | "missing-rollback-target" | "unverified-rollback-target",
    message: string,
  ) {
    super(message);
    this.name = "ActionForStateError";
  }
}

/** What {@link actionForState} needs besides the request and state. */
export interface ActionForStateOptions {
  /** helm-controller's DefaultToRetryOnFailure feature gate. */
  defaultToRetryOnFailure: boolean;
  /** Every stored version of the release, to verify a rollback target still exists unchanged. */
  releases: readonly StoredRelease[];
}

/** Keeps the history up to the previous good release, or its newest entries (Snapshots.Truncate). */
function truncate(obj: HelmRelease, ignoreTests: boolean): void {
  const status = statusOf(obj);
  if (status.history) status.history = truncateReleaseSnapshots(status.history, ignoreTests);
}

/** Keeps the newest entries only (Snapshots.TruncateIgnoringPreviousSnapshots). */
function truncateIgnoringPrevious(obj: HelmRelease): void {
  const status = statusOf(obj);
  if (status.history) status.history = sortSnapshotsByVersion(status.history).slice(0, 5);
}

/** Replaces condition `target` (if present) by `replacement`, keeping its lastTransitionTime when unchanged. */
export function replaceCondition(
  obj: HelmRelease,
  target: string,
  replacement: string,
  reason: string,
  message: string,
  status: "True" | "False",
): void {
  const c = getCondition(obj, target);
  if (!c) return;
  statusOf(obj).conditions = (obj.status?.conditions ?? []).filter((x) => x.type !== target && x.type !== replacement);
  const set = setCondition(obj, { type: replacement, status, reason, message });
  set.lastTransitionTime = c.lastTransitionTime;
}

function testIgnoreFailures(obj: HelmRelease): boolean {
  return obj.spec.test?.ignoreFailures ?? false;
}

/** Whether `snap` is still in storage, unchanged. */
function verified(snap: HelmReleaseSnapshot, releases: readonly StoredRelease[]): "ok" | "missing" | "changed" {
  const rls = releases.find((r) => r.name === snap.name && r.version === snap.version);
  if (!rls) return "missing";
  return observationDigest(rls, snap.ociDigest) === snap.digest ? "ok" : "changed";
}

/**
 * The next action for `state`, or undefined when the release is done (InSync, or Drifted in warn mode).
 * Throws {@link ActionForStateError} when retries are exhausted or a rollback has no target.
 */
export function actionForState(
  req: ReleaseRequest,
  state: ReleaseState,
  options: ActionForStateOptions,
): ReleaseAction | undefined {
  const obj = req.object;
  const force = shouldHandleForceRequest(obj);
  switch (state.status) {
    case ReleaseStatus.InSync: {
      if (activeRetry(obj, options.defaultToRetryOnFailure)) truncateIgnoringPrevious(obj);
      else truncate(obj, activeRemediation(obj)?.ignoreTestFailures ?? testIgnoreFailures(obj));
      if (force) return upgrade;
      const cur = latestSnapshot(obj);
      if (cur && isTrue(obj, HelmReleaseCondition.Remediated)) {
        replaceCondition(
          obj,
          HelmReleaseCondition.Remediated,
          HelmReleaseCondition.Released,
          HelmReleaseReason.UpgradeSucceeded,
          upgradeSucceededMessage(fullReleaseName(cur), versionedChartName(cur)),
          "True",
        );
      }
      if (cur && (!isReady(obj) || !isTrue(obj, HelmReleaseCondition.Released))) {
        const released = getCondition(obj, HelmReleaseCondition.Released)?.reason;
        const names = [fullReleaseName(cur), versionedChartName(cur)] as const;
        if (released === HelmReleaseReason.InstallFailed) {
          markTrue(
            obj,
            HelmReleaseCondition.Released,
            HelmReleaseReason.InstallSucceeded,
            installSucceededMessage(...names),
          );
          summarize(obj);
        } else if (released === HelmReleaseReason.UpgradeFailed) {
          markTrue(
            obj,
            HelmReleaseCondition.Released,
            HelmReleaseReason.UpgradeSucceeded,
            upgradeSucceededMessage(...names),
          );
          summarize(obj);
        }
      }
      if (obj.spec.driftDetection?.mode === "enabled" || obj.spec.driftDetection?.mode === "warn") {
        markFalse(
          obj,
          HelmReleaseCondition.Drifted,
          HelmReleaseReason.NoDriftDetected,
          "No drift detected against the cluster state",
        );
      }
      return undefined;
    }
    case ReleaseStatus.Locked:
      return unlock;
    case ReleaseStatus.Absent:
      if (installRemediationOf(obj).retriesExhausted(obj)) {
        if (force) return install;
        throw new ActionForStateError("exceeded-max-retries", "exceeded maximum retries: cannot install release");
      }
      return install;
    case ReleaseStatus.Unmanaged:
      delete statusOf(obj).history;
      return upgrade;
    case ReleaseStatus.OutOfSync:
      if (upgradeRemediationOf(obj).retriesExhausted(obj)) {
        if (force) return upgrade;
        throw new ActionForStateError("exceeded-max-retries", "exceeded maximum retries: cannot upgrade release");
      }
      return upgrade;
    case ReleaseStatus.Drifted: {
      const cur = latestSnapshot(obj);
      const message = `Cluster state of release ${cur ? fullReleaseName(cur) : ""} has drifted from the desired state:\n${driftSummary(state)}`;
      markTrue(obj, HelmReleaseCondition.Drifted, HelmReleaseReason.DriftDetected, message);
      return obj.spec.driftDetection?.mode === "enabled" ? correctClusterDrift(state.diff ?? []) : undefined;
    }
    case ReleaseStatus.Untested: {
      const cur = latestSnapshot(obj);
      if (cur && isTrue(obj, HelmReleaseCondition.Remediated)) {
        replaceCondition(
          obj,
          HelmReleaseCondition.Remediated,
          HelmReleaseCondition.Released,
          HelmReleaseReason.UpgradeSucceeded,
          upgradeSucceededMessage(fullReleaseName(cur), versionedChartName(cur)),
          "True",
        );
      }
      return test;
    }
    case ReleaseStatus.Failed: {
      if (activeRetry(obj, options.defaultToRetryOnFailure)) {
        truncateIgnoringPrevious(obj);
        return upgrade;
      }
      const remediation = activeRemediation(obj);
      if (!remediation) return upgrade;
      if (remediation.failureCount(obj) <= 0) return upgrade;
      if (force) return upgrade;
      if (remediation.retriesExhausted(obj) && !remediation.remediateLastFailure) {
        throw new ActionForStateError(
          "exceeded-max-retries",
          "exceeded maximum retries: cannot remediate failed release",
        );
      }
      truncate(obj, remediation.ignoreTestFailures);
      if (remediation.strategy === "uninstall") return uninstallRemediation;
      const prev = rollbackTarget(obj);
      if (!prev) {
        throw new ActionForStateError(
          "missing-rollback-target",
          "missing target release for rollback: cannot remediate failed release",
        );
      }
      // A rollback target gone from storage or changed there: upgrade again instead.
      return verified(prev, options.releases) === "ok" ? rollbackRemediation : upgrade;
    }
  }
}

/** The drifted objects, one per line (`Kind/ns/name removed|changed (…)|excluded`), as helm-controller lists them. */
export function driftSummary(state: ReleaseState): string {
  return (state.diff ?? [])
    .map((d) => {
      if (d.type === "create") return `${d.subject} removed`;
      if (d.type === "exclude") return `${d.subject} excluded`;
      const p = d.patch ?? { additions: 0, changes: 0, removals: 0 };
      return `${d.subject} changed (${p.additions} additions, ${p.changes} changes, ${p.removals} removals)`;
    })
    .join("\n");
}
