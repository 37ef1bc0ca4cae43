// The atomic release (helm-controller's internal/reconcile/atomic_release.go): determine the release state,
// pick the next action, run it, and repeat until nothing is left to do, an action type comes round a second
// time, or a remediation ran. Progress is patched before and after every action; retries exhausted stall.

import {
  ConditionType,
  formatDuration,
  type HelmRelease,
  HelmReleaseReason,
  helmReleaseTimeoutMs,
  parseDuration,
  Reason,
} from "@sluice/api";
import {
  deleteCondition,
  errorMessage,
  GenericReconcileError,
  getCondition,
  isReady,
  markFalse,
  markReconciling,
  markStalled,
  markUnknown,
  StallingError,
} from "@sluice/runtime";
import { ActionForStateError, actionForState } from "./action-for-state.js";
import { snapshotEventMetadata } from "./event-metadata.js";
import { install } from "./install.js";
import { activeRemediation, activeRetry } from "./remediation.js";
import {
  type ActionContext,
  ActionType,
  type ActionTypeName,
  latestSnapshot,
  type ReleaseAction,
  type ReleaseRequest,
} from "./request.js";
import { rollbackRemediation } from "./rollback-remediation.js";
import { determineReleaseState, mustDetectDrift, type ReleaseState, ReleaseStatus, withDrift } from "./state.js";
import { summarize } from "./summarize.js";
import { test } from "./test.js";
import { uninstallRemediation } from "./uninstall.js";
import { upgrade } from "./upgrade.js";

/** How an atomic release ended when it did not fail. */
export type AtomicReleaseOutcome =
  /** Nothing left to do: requeue after `spec.interval`. */
  | { kind: "done" }
  /** RetryOnFailure: try again after the strategy's retry interval. */
  | { kind: "retry-after"; ms: number }
  /** More to do in a new reconcile (after a remediation, or an action type came round again). */
  | { kind: "requeue" };

/** The atomic release stalled; Stalled is set and Ready keeps what the actions recorded. */
export class ReleaseStalledError extends StallingError {}

/** An action failed; its conditions and events are recorded, Ready keeps what the actions set. */
export class ReleaseFailedError extends GenericReconcileError {}

/** What the atomic release needs besides the action context. */
export interface AtomicReleaseOptions {
  /** Persists the HelmRelease's status (progress before and after each action). */
  patch(): Promise<void>;
  signal?: AbortSignal | undefined;
}

/** The timeout an action runs with, as `Running '<action>' action with timeout of <timeout>` reports it. */
export function actionTimeoutMs(action: ReleaseAction, obj: HelmRelease): number {
  const own =
    action === install
      ? obj.spec.install?.timeout
      : action === upgrade
        ? obj.spec.upgrade?.timeout
        : action === test
          ? obj.spec.test?.timeout
          : action === rollbackRemediation
            ? obj.spec.rollback?.timeout
            : action === uninstallRemediation
              ? obj.spec.uninstall?.timeout
              : undefined;
  return own ? parseDuration(own) : helmReleaseTimeoutMs(obj.spec);
}

function stallRetriesExceeded(obj: HelmRelease): never {
  const action = obj.status?.lastAttemptedReleaseAction ?? "";
  const count = activeRemediation(obj)?.failureCount(obj) ?? 0;
  const message = `Failed to ${action} after ${count} attempt(s)`;
  markStalled(obj, "RetriesExceeded", message);
  throw new ReleaseStalledError("RetriesExceeded", message);
}

function retrying(obj: HelmRelease, ms: number): AtomicReleaseOutcome {
  markReconciling(obj, Reason.ProgressingWithRetry, `retrying after ${formatDuration(ms)}`);
  return { kind: "retry-after", ms };
}

function readyMessage(obj: HelmRelease): string {
  return getCondition(obj, ConditionType.Ready)?.message ?? "";
}

async function observeState(
  ctx: ActionContext,
  req: ReleaseRequest,
): Promise<{ state: ReleaseState; releases: Awaited<ReturnType<ActionContext["engine"]["releases"]>> }> {
  const releases = await ctx.engine.releases(ctx.target);
  let state = determineReleaseState(req, releases[0]);
  if (mustDetectDrift(req, state) && releases[0])
    state = withDrift(state, await ctx.cluster.diff(req.object, releases[0]));
  return { state, releases };
}

/**
 * Runs actions until the release is done; see the file comment. Returns how to requeue; throws
 * {@link ReleaseStalledError} (retries exhausted, no rollback target), {@link ReleaseFailedError} (an action
 * failed without recording a release) or a GenericReconcileError (the state could not be determined).
 */
export async function runAtomicRelease(
  ctx: ActionContext,
  req: ReleaseRequest,
  options: AtomicReleaseOptions,
): Promise<AtomicReleaseOutcome> {
  const obj = req.object;
  const previous: ActionTypeName[] = [];
  for (;;) {
    if (options.signal?.aborted) {
      await options
        .patch()
        .catch((err: unknown) =>
          ctx.log.error({ error: errorMessage(err) }, "failed to patch HelmRelease after cancellation"),
        );
      throw new GenericReconcileError(Reason.Failed, `atomic release canceled: ${errorMessage(options.signal.reason)}`);
    }
    let observed: Awaited<ReturnType<typeof observeState>>;
    try {
      observed = await observeState(ctx, req);
    } catch (err: unknown) {
      markFalse(obj, ConditionType.Ready, "StateError", `Could not determine release state: ${errorMessage(err)}`);
      throw new ReleaseFailedError("StateError", `cannot determine release state: ${errorMessage(err)}`, {
        cause: err,
      });
    }
    const { state, releases } = observed;
    ctx.log.debug({ state: state.status, reason: state.reason }, "determined release state");

    let next: ReleaseAction | undefined;
    try {
      next = actionForState(req, state, { defaultToRetryOnFailure: ctx.defaultToRetryOnFailure, releases });
    } catch (err: unknown) {
      if (err instanceof ActionForStateError && err.kind === "exceeded-max-retries") stallRetriesExceeded(obj);
      if (err instanceof ActionForStateError && err.kind === "missing-rollback-target") {
        const message = `Failed to perform remediation: ${err.message}`;
        markStalled(obj, "MissingRollbackTarget", message);
        throw new ReleaseStalledError("MissingRollbackTarget", message);
      }
      throw err;
    }
    if (state.status === ReleaseStatus.Drifted) {
      const drifted = getCondition(obj, "Drifted");
      const cur = latestSnapshot(obj);
      if (drifted && cur)
        void ctx.events?.error(obj, HelmReleaseReason.DriftDetected, drifted.message, snapshotEventMetadata(cur));
    }

    if (!next) {
      deleteCondition(obj, ConditionType.Reconciling);
      summarize(obj);
      return { kind: "done" };
    }

    if (previous.includes(next.type)) {
      const retry = activeRetry(obj, ctx.defaultToRetryOnFailure);
      if (retry) return retrying(obj, retry.retryIntervalMs);
      const remediation = activeRemediation(obj);
      if (!remediation?.retriesExhausted(obj)) {
        markReconciling(obj, Reason.ProgressingWithRetry, readyMessage(obj));
        return { kind: "requeue" };
      }
      deleteCondition(obj, ConditionType.Reconciling);
      return { kind: "done" };
    }

    const running = `Running '${next.name}' action with timeout of ${formatDuration(actionTimeoutMs(next, obj))}`;
    markReconciling(obj, Reason.Progressing, running);
    if (next.type === ActionType.Release) markUnknown(obj, ConditionType.Ready, Reason.Progressing, running);
    await options.patch();

    ctx.log.info(`running '${next.name}' action with timeout of ${formatDuration(actionTimeoutMs(next, obj))}`);
    try {
      await next.reconcile(ctx, req);
    } catch (err: unknown) {
      const retry = activeRetry(obj, ctx.defaultToRetryOnFailure);
      if (retry) {
        ctx.log.error({ error: errorMessage(err) }, `failed to run '${next.name}' action`);
        return retrying(obj, retry.retryIntervalMs);
      }
      if (isReady(obj)) markFalse(obj, ConditionType.Ready, "ReconcileError", errorMessage(err));
      throw new ReleaseFailedError("ReconcileError", errorMessage(err), { cause: err, event: false });
    }

    if (next.type === ActionType.Remediate) {
      const retry = activeRetry(obj, ctx.defaultToRetryOnFailure);
      if (retry) return retrying(obj, retry.retryIntervalMs);
      const remediation = activeRemediation(obj);
      if (!remediation?.retriesExhausted(obj) || remediation.isUninstallAfterUpgrade) {
        markReconciling(obj, Reason.ProgressingWithRetry, readyMessage(obj));
        return { kind: "requeue" };
      }
      stallRetriesExceeded(obj);
    }
    previous.push(next.type);
    await options.patch();
  }
}
