// The uninstall actions: uninstall for a deleted HelmRelease or a changed release target (helm-controller's
// internal/reconcile/uninstall.go, owning Released=False UninstallSucceeded/UninstallFailed) and uninstall
// remediation of a failed release (uninstall_remediation.go, owning Remediated). Both record the uninstalled
// release in the history.

import {
  fullReleaseName,
  type HelmRelease,
  HelmReleaseCondition,
  HelmReleaseReason,
  type HelmReleaseSnapshot,
  versionedChartName,
} from "@sluice/api";
import type { StoredRelease } from "@sluice/helm-storage";
import { errorMessage, markFalse, markTrue } from "@sluice/runtime";
import { isReleaseNotFound } from "../engine/release-engine.js";
import { snapshotEventMetadata } from "./event-metadata.js";
import { refreshReleases, storageChanges } from "./observed-releases.js";
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

/** A release record as Helm leaves it when uninstalling (status uninstalled), for one removed from storage. */
function uninstalled(release: StoredRelease): StoredRelease {
  const doc = JSON.parse(release.raw) as { info?: Record<string, unknown> };
  doc.info = {
    ...doc.info,
    status: "uninstalled",
    deleted: new Date().toISOString(),
    description: "Uninstallation complete",
  };
  const raw = JSON.stringify(doc);
  return { ...release, info: { ...release.info, status: "uninstalled", deleted: doc.info["deleted"] as string }, raw };
}

/** What an uninstall did: the error (undefined on success), whether Helm had no such release, and whether storage recorded it. */
interface Outcome {
  error: unknown;
  notFound: boolean;
  recorded: boolean;
}

async function runUninstall(ctx: ActionContext, obj: HelmRelease, action: string): Promise<Outcome> {
  const cur = latestSnapshot(obj);
  if (!cur) throw new ReleaseStateError("no-latest", "no latest release: required to uninstall");
  const before = await ctx.engine.releases(ctx.target);
  let error: unknown;
  try {
    await ctx.engine.uninstall(obj, ctx.target);
  } catch (err: unknown) {
    error = err;
  }
  if (error !== undefined && isReleaseNotFound(error)) return { error, notFound: true, recorded: false };
  const { written, removed } = storageChanges(before, await ctx.engine.releases(ctx.target));
  refreshReleases(obj, [...written, ...removed.map(uninstalled)], action, false);
  const now = latestSnapshot(obj);
  const recorded = now !== undefined && now.digest !== cur.digest;
  if (error === undefined && !recorded && cur.status !== "uninstalled") {
    error = new ReleaseStateError(
      "no-storage-update",
      "uninstall completed with error: release not updated in Helm storage",
    );
  }
  return { error, notFound: false, recorded };
}

/** Uninstalls the release of a deleted HelmRelease (or one whose target changed); see the file comment. */
export const uninstall: ReleaseAction = {
  name: "uninstall",
  type: ActionType.Release,
  async reconcile(ctx: ActionContext, req: ReleaseRequest): Promise<void> {
    const obj = req.object;
    try {
      const outcome = await runUninstall(ctx, obj, "uninstall");
      const cur = latestSnapshot(obj) as HelmReleaseSnapshot;
      if (outcome.notFound) {
        markFalse(
          obj,
          HelmReleaseCondition.Released,
          HelmReleaseReason.UninstallSucceeded,
          `Release ${fullReleaseName(cur)} was not found, assuming it is uninstalled`,
        );
        return;
      }
      if (outcome.error !== undefined) {
        if (obj.spec.uninstall?.keepHistory && /is already deleted/.test(errorMessage(outcome.error))) {
          markFalse(
            obj,
            HelmReleaseCondition.Released,
            HelmReleaseReason.UninstallSucceeded,
            `Release ${fullReleaseName(cur)} was already uninstalled`,
          );
          return;
        }
        const message = `Helm uninstall failed for release ${fullReleaseName(cur)} with chart ${versionedChartName(cur)}: ${errorMessage(outcome.error).trim()}`;
        const status = statusOf(obj);
        status.failures = (status.failures ?? 0) + 1;
        markFalse(obj, HelmReleaseCondition.Released, HelmReleaseReason.UninstallFailed, message);
        void ctx.events?.error(obj, HelmReleaseReason.UninstallFailed, message, snapshotEventMetadata(cur));
        throw outcome.error;
      }
      const message = `Helm uninstall succeeded for release ${fullReleaseName(cur)} with chart ${versionedChartName(cur)}`;
      delete statusOf(obj).inventory;
      markFalse(obj, HelmReleaseCondition.Released, HelmReleaseReason.UninstallSucceeded, message);
      void ctx.events?.info(obj, HelmReleaseReason.UninstallSucceeded, message, snapshotEventMetadata(cur));
    } finally {
      summarize(obj);
    }
  },
};

/** Uninstalls a failed release to remediate it; see the file comment. */
export const uninstallRemediation: ReleaseAction = {
  name: "uninstall",
  type: ActionType.Remediate,
  async reconcile(ctx: ActionContext, req: ReleaseRequest): Promise<void> {
    const obj = req.object;
    const outcome = await runUninstall(ctx, obj, "uninstall-remediation");
    const cur = latestSnapshot(obj) as HelmReleaseSnapshot;
    const error = outcome.error;
    if (error !== undefined) {
      const message = `Helm uninstall remediation for release ${fullReleaseName(cur)} with chart ${versionedChartName(cur)} failed: ${errorMessage(error).trim()}`;
      const status = statusOf(obj);
      status.failures = (status.failures ?? 0) + 1;
      markFalse(obj, HelmReleaseCondition.Remediated, HelmReleaseReason.UninstallFailed, message);
      void ctx.events?.error(obj, HelmReleaseReason.UninstallFailed, message, snapshotEventMetadata(cur));
      if (!outcome.recorded) throw error;
      return;
    }
    const message = `Helm uninstall remediation for release ${fullReleaseName(cur)} with chart ${versionedChartName(cur)} succeeded`;
    markTrue(obj, HelmReleaseCondition.Remediated, HelmReleaseReason.UninstallSucceeded, message);
    void ctx.events?.info(obj, HelmReleaseReason.UninstallSucceeded, message, snapshotEventMetadata(cur));
  },
};
