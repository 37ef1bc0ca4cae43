// What every release action works with (helm-controller's reconcile.Request and ActionReconciler): the
// HelmRelease being changed in place, the chart and values to release, and the services around them.

import type { HelmRelease, HelmReleaseSnapshot } from "@sluice/api";
import type { EventRecorder, Logger } from "@sluice/runtime";
import type { ChartFiles, ReleaseEngine, ReleaseTarget } from "../engine/release-engine.js";
import type { ClusterState } from "./cluster-state.js";

/** The desired release of one reconcile. */
export interface ReleaseRequest {
  /** The HelmRelease; actions change its status (conditions, history, counters) in place. */
  object: HelmRelease;
  /** The chart, its version being the one the release records (`<version>+<digest>` for OCI sources). */
  chart: ChartFiles & { appVersion?: string | undefined };
  /** The composed values. */
  values: Record<string, unknown>;
  /** `sha256:<hex>` of the values as Go's encoding/json writes them (helm-controller's config digest). */
  configDigest: string;
}

/** The kinds of action, which decide whether the atomic release may run another or must stop. */
export const ActionType = {
  Release: "release",
  Remediate: "remediate",
  Test: "test",
  Unlock: "unlock",
  DriftCorrection: "drift correction",
} as const;
/** One of {@link ActionType}. */
export type ActionTypeName = (typeof ActionType)[keyof typeof ActionType];

/** The services an action runs with. */
export interface ActionContext {
  /** Carries out Helm actions and reads release storage. */
  engine: ReleaseEngine;
  target: ReleaseTarget;
  /** Compares the release with the cluster, corrects drift, builds the inventory. */
  cluster: ClusterState;
  events?: Pick<EventRecorder, "info" | "error"> | undefined;
  log: Logger;
  /** helm-controller's DefaultToRetryOnFailure feature gate. */
  defaultToRetryOnFailure: boolean;
}

/**
 * One Helm action of the atomic release (helm-controller's ActionReconciler): it runs the action through the
 * engine and records its outcome on the HelmRelease (conditions, history, failure counters, events). It
 * rejects only when nothing was recorded in Helm's storage (the failure then is the reconcile's error).
 */
export interface ReleaseAction {
  /** The action's name in messages (`Running 'install' action …`). */
  readonly name: string;
  readonly type: ActionTypeName;
  reconcile(ctx: ActionContext, req: ReleaseRequest): Promise<void>;
}

/** The latest snapshot of `status.history` (highest version), if any. */
export function latestSnapshot(obj: HelmRelease): HelmReleaseSnapshot | undefined {
  return [...(obj.status?.history ?? [])].sort((a, b) => b.version - a.version)[0];
}

/** The object's status, created empty when absent. */
export function statusOf(obj: HelmRelease): NonNullable<HelmRelease["status"]> {
  obj.status ??= {};
  return obj.status;
}

/** Resets the failure counters (helm-controller's ClearFailures). */
export function clearFailures(obj: HelmRelease): void {
  const status = statusOf(obj);
  status.failures = 0;
  status.installFailures = 0;
  status.upgradeFailures = 0;
}

/** Error for an action that could not run at all (no release to test, roll back or uninstall). */
export class ReleaseStateError extends Error {
  constructor(
    /** What is wrong, as helm-controller's sentinel errors name it (`no latest release`, …). */
    readonly kind: "no-latest" | "mismatch" | "missing-rollback-target" | "no-storage-update",
    message: string,
  ) {
    super(message);
    this.name = "ReleaseStateError";
  }
}
