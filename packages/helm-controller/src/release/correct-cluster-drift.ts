// The drift correction action (helm-controller's internal/reconcile/correct_cluster_drift.go): server-side
// applies the release's objects that drifted from the manifest and reports what it did in events; the next
// state determination sets Drifted back to False once the cluster matches.

import { ConditionType, fullReleaseName, HelmReleaseReason, type HelmReleaseSnapshot, Reason } from "@sluice/api";
import { markUnknown } from "@sluice/runtime";
import type { DriftEntry } from "./cluster-state.js";
import { snapshotEventMetadata } from "./event-metadata.js";
import { type ActionContext, ActionType, latestSnapshot, type ReleaseAction, type ReleaseRequest } from "./request.js";

/** The correction of `diff` (the drift found by the state determination). */
export function correctClusterDrift(diff: readonly DriftEntry[]): ReleaseAction {
  return {
    name: "correct cluster drift",
    type: ActionType.DriftCorrection,
    async reconcile(ctx: ActionContext, req: ReleaseRequest): Promise<void> {
      const obj = req.object;
      const changes = diff.filter((d) => d.type !== "exclude");
      if (obj.spec.driftDetection?.mode !== "enabled" || changes.length === 0) return;
      markUnknown(obj, ConditionType.Ready, Reason.Progressing, "correcting cluster drift");
      const result = await ctx.cluster.correct(obj, changes);
      const cur = latestSnapshot(obj) as HelmReleaseSnapshot;
      const name = fullReleaseName(cur);
      if (result.errors.length > 0) {
        let message = `Failed to ${result.changes.length > 0 ? "partially " : ""}correct cluster state of release ${name}:\n${result.errors.join("\n")}`;
        if (result.changes.length > 0) message += `\n\nSuccessful corrections:\n${result.changes.join("\n")}`;
        void ctx.events?.error(obj, HelmReleaseReason.DriftCorrectionFailed, message, snapshotEventMetadata(cur));
      } else if (result.changes.length > 0) {
        const message = `Cluster state of release ${name} has been corrected:\n${result.changes.join("\n")}`;
        void ctx.events?.info(obj, HelmReleaseReason.DriftCorrected, message, snapshotEventMetadata(cur));
      }
    },
  };
}
