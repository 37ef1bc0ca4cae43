// How a HelmRelease run ends (the skeleton's summarize hook, as helm-controller's Reconcile defer and
// reconcileRelease set conditions): the release actions already set Ready through Flux's summarize
// (src/release/summarize.ts), so only failures before them mark Ready here.

import { ConditionType, type HelmRelease } from "@sluice/api";
import {
  asReconcileError,
  type FinalizedStatus,
  markFalse,
  markStalled,
  type ReconcileOutcome,
  type Summarizer,
} from "@sluice/runtime";
import { ReleaseFailedError, ReleaseStalledError } from "../release/atomic-release.js";

/**
 * HelmReleases whose atomic release asked for a retry after its retry interval in this run: that run is
 * done with its generation (helm-controller returns no error, so the generation is observed) though the
 * release step stopped the run with a requeue.
 */
export const retryScheduled = new WeakSet<HelmRelease>();

/**
 * The HelmRelease summarizer: an error before the release actions (DependencyNotReady, SourceNotReady,
 * ArtifactFailed, ValuesError, RESTClientError, …) marks Ready=False with its reason and message, a
 * StallingError (AccessDenied, InvalidSpec) also Stalled; errors of the release actions leave Ready as the
 * actions' summary set it (Stalled RetriesExceeded keeps Ready's own message). The generation is observed
 * when the run completed, a retry was scheduled, or it stalled.
 */
export const summarizeHelmRelease: Summarizer<HelmRelease> = (obj, outcome: ReconcileOutcome): FinalizedStatus => {
  const retried = retryScheduled.delete(obj);
  if (outcome.error === undefined) return { observedGeneration: outcome.complete || retried, error: undefined };
  const error = asReconcileError(outcome.error);
  if (!(error instanceof ReleaseStalledError) && !(error instanceof ReleaseFailedError)) {
    if (error.kind === "stalling") markStalled(obj, error.reason, error.message);
    markFalse(obj, ConditionType.Ready, error.reason, error.message);
  }
  return { observedGeneration: error.kind === "stalling" || error.kind === "terminal", error };
};
