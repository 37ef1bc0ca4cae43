// The test action (helm-controller's internal/reconcile/test.go): runs the release's test hooks, records
// their results on the current history entry, and owns TestSuccess (TestSucceeded/TestFailed), the test
// failure counting against the active remediation, and the test events.

import {
  fullReleaseName,
  HelmReleaseCondition,
  HelmReleaseReason,
  type HelmReleaseSnapshot,
  snapshotHasBeenTested,
  versionedChartName,
} from "@sluice/api";
import { errorMessage, markFalse, markTrue } from "@sluice/runtime";
import { snapshotEventMetadata } from "./event-metadata.js";
import { activeRemediation } from "./remediation.js";
import {
  type ActionContext,
  ActionType,
  latestSnapshot,
  type ReleaseAction,
  type ReleaseRequest,
  ReleaseStateError,
  statusOf,
} from "./request.js";
import { snapshotOf, targets, testHooksOf } from "./snapshot.js";
import { summarize } from "./summarize.js";

/** `Helm release <release> with chart <chart> is awaiting tests` (TestSuccess=Unknown after a release). */
export function awaitingTestsMessage(release: string, chart: string): string {
  return `Helm release ${release} with chart ${chart} is awaiting tests`;
}

function hooksDone(snap: HelmReleaseSnapshot): string {
  const n = Object.keys(snap.testHooks ?? {}).length;
  if (n === 0) return "no test hooks";
  return `${n} test ${n > 1 ? "hooks" : "hook"} completed successfully`;
}

/** Tests the current release; see the file comment. */
export const test: ReleaseAction = {
  name: "test",
  type: ActionType.Test,
  async reconcile(ctx: ActionContext, req: ReleaseRequest): Promise<void> {
    const obj = req.object;
    try {
      const cur = latestSnapshot(obj);
      if (!cur) throw new ReleaseStateError("no-latest", "no latest release: required for test");
      let failure: unknown;
      try {
        await ctx.engine.test(obj, ctx.target);
      } catch (err: unknown) {
        failure = err;
      }
      const stored = await ctx.engine.releases(ctx.target);
      const tested = stored[0];
      if (tested && !targets(cur, tested)) {
        failure = new ReleaseStateError(
          "mismatch",
          `release mismatch: tested release ${tested.namespace}/${tested.name}.v${tested.version} != current release ${fullReleaseName(cur)}`,
        );
      } else if (tested) {
        const history = statusOf(obj).history ?? [];
        const i = history.findIndex((s) => targets(s, tested));
        history[Math.max(i, 0)] = snapshotOf(tested, {
          action: cur.action,
          ociDigest: cur.ociDigest,
          testHooks: testHooksOf(tested, obj.spec.test?.filters),
        });
      }

      const latest = latestSnapshot(obj) as HelmReleaseSnapshot;
      if (failure !== undefined) {
        const message = `Helm test failed for release ${fullReleaseName(latest)} with chart ${versionedChartName(latest)}: ${errorMessage(failure).trim()}`;
        const status = statusOf(obj);
        status.failures = (status.failures ?? 0) + 1;
        markFalse(obj, HelmReleaseCondition.TestSuccess, HelmReleaseReason.TestFailed, message);
        void ctx.events?.error(obj, HelmReleaseReason.TestFailed, message, snapshotEventMetadata(latest));
        if (!snapshotHasBeenTested(latest)) throw failure;
        const remediation = activeRemediation(obj);
        if (remediation && !remediation.ignoreTestFailures) remediation.incrementFailureCount(obj);
        return;
      }
      const message = `Helm test succeeded for release ${fullReleaseName(latest)} with chart ${versionedChartName(latest)}: ${hooksDone(latest)}`;
      markTrue(obj, HelmReleaseCondition.TestSuccess, HelmReleaseReason.TestSucceeded, message);
      void ctx.events?.info(obj, HelmReleaseReason.TestSucceeded, message, snapshotEventMetadata(latest));
    } finally {
      summarize(obj);
    }
  },
};
