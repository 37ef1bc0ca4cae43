// The rollback remediation (helm-controller's internal/reconcile/rollback_remediation.go): rolls a failed
// upgrade back to the previous successful release, and owns Remediated (RollbackSucceeded/RollbackFailed),
// the failure counter and the rollback events.

import {
  fullReleaseName,
  HelmReleaseCondition,
  HelmReleaseReason,
  type HelmReleaseSnapshot,
  previousReleaseSnapshot,
  versionedChartName,
} from "@sluice/api";
import { errorMessage, markFalse, markTrue } from "@sluice/runtime";
import { eventMetadata } from "./event-metadata.js";
import { updateInventory } from "./inventory.js";
import { refreshReleases, storageChanges } from "./observed-releases.js";
import { upgradeRemediationOf } from "./remediation.js";
import {
  type ActionContext,
  ActionType,
  latestSnapshot,
  type ReleaseAction,
  type ReleaseRequest,
  ReleaseStateError,
  statusOf,
} from "./request.js";
import { summarize } from "./summarize.js";

/** The release a rollback returns to: the newest earlier deployed/superseded one (without failed tests). */
export function rollbackTarget(obj: ReleaseRequest["object"]): HelmReleaseSnapshot | undefined {
  return previousReleaseSnapshot(obj.status?.history ?? [], upgradeRemediationOf(obj).ignoreTestFailures);
}

/** Rolls back to the previous release; see the file comment. */
export const rollbackRemediation: ReleaseAction = {
  name: "rollback",
  type: ActionType.Remediate,
  async reconcile(ctx: ActionContext, req: ReleaseRequest): Promise<void> {
    const obj = req.object;
    try {
      const cur = latestSnapshot(obj);
      const prev = rollbackTarget(obj);
      if (!cur || !prev) {
        throw new ReleaseStateError(
          "missing-rollback-target",
          "missing target release for rollback: required to rollback",
        );
      }
      if (prev.name !== cur.name || prev.namespace !== cur.namespace) {
        throw new ReleaseStateError(
          "mismatch",
          `release mismatch: previous release name or namespace ${fullReleaseName(prev)} does not match current ${fullReleaseName(cur)}`,
        );
      }
      const before = await ctx.engine.releases(ctx.target);
      let failure: unknown;
      try {
        await ctx.engine.rollback(obj, ctx.target, prev.version);
      } catch (err: unknown) {
        failure = err;
      }
      const { written } = storageChanges(before, await ctx.engine.releases(ctx.target));
      refreshReleases(obj, written, "rollback", true);
      if (written[0]) await updateInventory(ctx, obj, written[0], req.chart.dir);
      const meta = eventMetadata(prev.chartVersion, req.configDigest, prev.appVersion, prev.ociDigest);

      if (failure !== undefined) {
        const message = `Helm rollback to previous release ${fullReleaseName(prev)} with chart ${versionedChartName(prev)} failed: ${errorMessage(failure).trim()}`;
        const status = statusOf(obj);
        status.failures = (status.failures ?? 0) + 1;
        markFalse(obj, HelmReleaseCondition.Remediated, HelmReleaseReason.RollbackFailed, message);
        void ctx.events?.error(obj, HelmReleaseReason.RollbackFailed, message, meta);
        const now = latestSnapshot(obj);
        if (!now || now.digest === cur.digest) throw failure;
        return;
      }
      const message = `Helm rollback to previous release ${fullReleaseName(prev)} with chart ${versionedChartName(prev)} succeeded`;
      markTrue(obj, HelmReleaseCondition.Remediated, HelmReleaseReason.RollbackSucceeded, message);
      void ctx.events?.info(obj, HelmReleaseReason.RollbackSucceeded, message, meta);
    } finally {
      summarize(obj);
    }
  },
};
