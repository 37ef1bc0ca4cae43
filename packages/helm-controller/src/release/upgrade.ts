// The upgrade action (helm-controller's internal/reconcile/upgrade.go): upgrades the release to the chart and
// values (also retrying a failed release, or taking over one not made by this object), records it at the head
// of the history, and owns Released (UpgradeSucceeded/UpgradeFailed), the failure counters and the events.

import {
  formatDuration,
  fullReleaseName,
  HelmReleaseCondition,
  HelmReleaseReason,
  snapshotHasBeenTested,
  versionedChartName,
} from "@sluice/api";
import { deleteCondition, errorMessage, markFalse, markTrue, markUnknown } from "@sluice/runtime";
import { eventMetadata, snapshotEventMetadata } from "./event-metadata.js";
import { updateInventory } from "./inventory.js";
import { recordReleases, storageChanges } from "./observed-releases.js";
import { retryOf, upgradeRemediationOf } from "./remediation.js";
import {
  type ActionContext,
  ActionType,
  clearFailures,
  latestSnapshot,
  type ReleaseAction,
  type ReleaseRequest,
  statusOf,
} from "./request.js";
import { summarize } from "./summarize.js";
import { awaitingTestsMessage } from "./test.js";

/** `Helm upgrade succeeded for release <release> with chart <chart>`. */
export function upgradeSucceededMessage(release: string, chart: string): string {
  return `Helm upgrade succeeded for release ${release} with chart ${chart}`;
}

/** Upgrades the release; see the file comment. */
export const upgrade: ReleaseAction = {
  name: "upgrade",
  type: ActionType.Release,
  async reconcile(ctx: ActionContext, req: ReleaseRequest): Promise<void> {
    const obj = req.object;
    const status = statusOf(obj);
    const started = Date.now();
    try {
      status.lastAttemptedReleaseAction = "upgrade";
      deleteCondition(obj, HelmReleaseCondition.TestSuccess);
      deleteCondition(obj, HelmReleaseCondition.Remediated);

      const before = await ctx.engine.releases(ctx.target);
      let failure: unknown;
      try {
        await ctx.engine.upgrade(obj, ctx.target, req.chart, req.values);
      } catch (err: unknown) {
        failure = err;
      }
      status.lastAttemptedReleaseActionDuration = formatDuration(Date.now() - started);
      const { written } = storageChanges(before, await ctx.engine.releases(ctx.target));
      recordReleases(obj, written, { action: "upgrade", ociDigest: status.lastAttemptedRevisionDigest });
      if (written[0]) await updateInventory(ctx, obj, written[0], req.chart.dir);

      if (failure !== undefined) {
        const message = `Helm upgrade failed for release ${ctx.target.namespace}/${ctx.target.name} with chart ${req.chart.name}@${req.chart.version}: ${errorMessage(failure).trim()}`;
        status.failures = (status.failures ?? 0) + 1;
        markFalse(obj, HelmReleaseCondition.Released, HelmReleaseReason.UpgradeFailed, message);
        void ctx.events?.error(
          obj,
          HelmReleaseReason.UpgradeFailed,
          message,
          eventMetadata(req.chart.version, req.configDigest, req.chart.appVersion, status.lastAttemptedRevisionDigest),
        );
        if (written.length === 0) throw failure;
        upgradeRemediationOf(obj).incrementFailureCount(obj);
        return;
      }

      const cur = latestSnapshot(obj);
      if (!cur) throw new Error(`upgrade of ${ctx.target.namespace}/${ctx.target.name} left no release in storage`);
      const message = upgradeSucceededMessage(fullReleaseName(cur), versionedChartName(cur));
      markTrue(obj, HelmReleaseCondition.Released, HelmReleaseReason.UpgradeSucceeded, message);
      if (obj.spec.test?.enable && !snapshotHasBeenTested(cur)) {
        markUnknown(
          obj,
          HelmReleaseCondition.TestSuccess,
          HelmReleaseReason.AwaitingTests,
          awaitingTestsMessage(fullReleaseName(cur), versionedChartName(cur)),
        );
      }
      if (retryOf(obj, "upgrade", ctx.defaultToRetryOnFailure)) clearFailures(obj);
      void ctx.events?.info(obj, HelmReleaseReason.UpgradeSucceeded, message, snapshotEventMetadata(cur));
    } finally {
      summarize(obj);
    }
  },
};
