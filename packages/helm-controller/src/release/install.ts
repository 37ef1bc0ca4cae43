// The install action (helm-controller's internal/reconcile/install.go): installs the chart, records the
// release in a fresh history, and owns Released (InstallSucceeded/InstallFailed), the failure counters and
// the install events.

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
import { installRemediationOf, retryOf } from "./remediation.js";
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

/** `Helm install succeeded for release <release> with chart <chart>`. */
export function installSucceededMessage(release: string, chart: string): string {
  return `Helm install succeeded for release ${release} with chart ${chart}`;
}

/** Installs the release; see the file comment. */
export const install: ReleaseAction = {
  name: "install",
  type: ActionType.Release,
  async reconcile(ctx: ActionContext, req: ReleaseRequest): Promise<void> {
    const obj = req.object;
    const status = statusOf(obj);
    const started = Date.now();
    try {
      status.lastAttemptedReleaseAction = "install";
      delete status.history;
      deleteCondition(obj, HelmReleaseCondition.TestSuccess);
      deleteCondition(obj, HelmReleaseCondition.Remediated);

      const before = await ctx.engine.releases(ctx.target);
      let failure: unknown;
      try {
        await ctx.engine.install(obj, ctx.target, req.chart, req.values);
      } catch (err: unknown) {
        failure = err;
      }
      status.lastAttemptedReleaseActionDuration = formatDuration(Date.now() - started);
      const { written } = storageChanges(before, await ctx.engine.releases(ctx.target));
      recordReleases(obj, written, { action: "install", ociDigest: status.lastAttemptedRevisionDigest });
      if (written[0]) await updateInventory(ctx, obj, written[0], req.chart.dir);

      if (failure !== undefined) {
        const message = `Helm install failed for release ${ctx.target.namespace}/${ctx.target.name} with chart ${req.chart.name}@${req.chart.version}: ${errorMessage(failure).trim()}`;
        status.failures = (status.failures ?? 0) + 1;
        markFalse(obj, HelmReleaseCondition.Released, HelmReleaseReason.InstallFailed, message);
        void ctx.events?.error(
          obj,
          HelmReleaseReason.InstallFailed,
          message,
          eventMetadata(req.chart.version, req.configDigest, req.chart.appVersion, status.lastAttemptedRevisionDigest),
        );
        if (written.length === 0) throw failure;
        installRemediationOf(obj).incrementFailureCount(obj);
        return;
      }

      const cur = latestSnapshot(obj);
      if (!cur) throw new Error(`install of ${ctx.target.namespace}/${ctx.target.name} left no release in storage`);
      const message = installSucceededMessage(fullReleaseName(cur), versionedChartName(cur));
      markTrue(obj, HelmReleaseCondition.Released, HelmReleaseReason.InstallSucceeded, message);
      if (obj.spec.test?.enable && !snapshotHasBeenTested(cur)) {
        markUnknown(
          obj,
          HelmReleaseCondition.TestSuccess,
          HelmReleaseReason.AwaitingTests,
          awaitingTestsMessage(fullReleaseName(cur), versionedChartName(cur)),
        );
      }
      if (retryOf(obj, "install", ctx.defaultToRetryOnFailure)) clearFailures(obj);
      void ctx.events?.info(obj, HelmReleaseReason.InstallSucceeded, message, snapshotEventMetadata(cur));
    } finally {
      summarize(obj);
    }
  },
};
