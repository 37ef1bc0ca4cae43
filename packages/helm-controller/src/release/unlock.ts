// The unlock action (helm-controller's internal/reconcile/unlock.go): a release left `pending-*` by an
// interrupted Helm action is marked `failed` in storage so the next action is not refused; owns
// Released=False PendingRelease and its events.

import { fullReleaseName, HelmReleaseCondition, HelmReleaseReason, versionedChartName } from "@sluice/api";
import { errorMessage, markFalse } from "@sluice/runtime";
import { snapshotEventMetadata } from "./event-metadata.js";
import { refreshReleases, storageChanges } from "./observed-releases.js";
import { type ActionContext, ActionType, type ReleaseAction, type ReleaseRequest, statusOf } from "./request.js";
import { snapshotOf, targets } from "./snapshot.js";
import { summarize } from "./summarize.js";

/** Unlocks a pending release; see the file comment. */
export const unlock: ReleaseAction = {
  name: "unlock",
  type: ActionType.Unlock,
  async reconcile(ctx: ActionContext, req: ReleaseRequest): Promise<void> {
    const obj = req.object;
    try {
      const before = await ctx.engine.releases(ctx.target);
      const rls = before[0];
      if (!rls) return;
      const state = rls.info.status;
      if (!state.startsWith("pending-")) return;
      const known = obj.status?.history?.find((s) => targets(s, rls));
      const cur = snapshotOf(rls, { ociDigest: known?.ociDigest });
      const names = `${fullReleaseName(cur)} with chart ${versionedChartName(cur)} in ${state} state`;
      try {
        await ctx.engine.unlock(ctx.target, rls, `Release unlocked from stale '${state}' state`);
      } catch (err: unknown) {
        const message = `Unlock of Helm release ${names} failed: ${errorMessage(err).trim()}`;
        const status = statusOf(obj);
        status.failures = (status.failures ?? 0) + 1;
        markFalse(obj, HelmReleaseCondition.Released, HelmReleaseReason.PendingRelease, message);
        void ctx.events?.error(obj, HelmReleaseReason.PendingRelease, message, snapshotEventMetadata(cur));
        throw err;
      }
      const { written } = storageChanges(before, await ctx.engine.releases(ctx.target));
      refreshReleases(obj, written, undefined, false);
      const message = `Unlocked Helm release ${names}`;
      markFalse(obj, HelmReleaseCondition.Released, HelmReleaseReason.PendingRelease, message);
      void ctx.events?.info(obj, HelmReleaseReason.PendingRelease, message, snapshotEventMetadata(cur));
    } finally {
      summarize(obj);
    }
  },
};
