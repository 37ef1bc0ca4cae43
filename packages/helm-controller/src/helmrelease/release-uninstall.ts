// Uninstalling the release a HelmRelease recorded (not the one its spec asks for): when the HelmRelease is
// deleted (helm-controller's reconcileReleaseDeletion) and when its release target changed
// (ReleaseTargetChanged), through the uninstall action.

import { ConditionType, type HelmRelease, HelmReleaseReason } from "@sluice/api";
import { errorMessage, isNotFound, type Logger, markFalse, type ReconcileContext } from "@sluice/runtime";
import type { ReleaseTarget } from "../engine/release-engine.js";
import { moveReleaseRecords } from "../engine/release-storage-relocation.js";
import { ReleaseFailedError } from "../release/atomic-release.js";
import {
  type ActionContext,
  clearFailures,
  latestSnapshot,
  type ReleaseRequest,
  statusOf,
} from "../release/request.js";
import { uninstall } from "../release/uninstall.js";
import { KubeConfigSecretNotFoundError, recordedTarget, releaseTarget, type TargetSettings } from "./release-target.js";

/** Builds the action context for a target. */
export type ActionContextFor = (target: ReleaseTarget) => ActionContext;

/** Uninstalls the latest recorded release; an uninstall failure is a ReleaseFailedError (conditions recorded). */
async function uninstallRecorded(obj: HelmRelease, ctx: ActionContext): Promise<void> {
  const cur = latestSnapshot(obj);
  if (!cur) return;
  const req: ReleaseRequest = {
    object: obj,
    chart: { dir: "", name: cur.chartName, version: cur.chartVersion },
    values: {},
    configDigest: cur.configDigest,
  };
  try {
    await uninstall.reconcile(ctx, req);
  } catch (err: unknown) {
    throw new ReleaseFailedError(HelmReleaseReason.UninstallFailed, errorMessage(err), { cause: err, event: false });
  }
}

/**
 * Uninstalls the recorded release when its storage namespace, namespace or name changed, or its chart
 * name with `upgrade.chartNameChangeStrategy: Reinstall` (helm-controller's ReleaseTargetChanged), and
 * clears history, counters and storage namespace. True when it did (the caller requeues).
 */
export async function uninstallChangedTarget(
  settings: TargetSettings,
  obj: HelmRelease,
  chartName: string,
  actions: ActionContextFor,
  ctx: ReconcileContext,
): Promise<boolean> {
  const cur = latestSnapshot(obj);
  const status = statusOf(obj);
  if (!status.storageNamespace || !cur) return false;
  const wanted = await releaseTarget(settings, obj, ctx.signal);
  let reason: string | undefined;
  if (wanted.storageNamespace !== status.storageNamespace) reason = "storage namespace";
  else if (wanted.namespace !== cur.namespace) reason = "release namespace";
  else if (wanted.name !== cur.name) reason = "release name";
  else if (chartName !== cur.chartName && (obj.spec.upgrade?.chartNameChangeStrategy ?? "Reinstall") === "Reinstall") {
    reason = "chart name";
  }
  if (!reason) return false;
  // Releases made by earlier Sluice versions kept their records in the release namespace (the helm CLI's
  // layout); with the default storage namespace they are moved to Flux's layout, not reinstalled.
  if (
    reason === "storage namespace" &&
    !obj.spec.storageNamespace &&
    status.storageNamespace === cur.namespace &&
    wanted.namespace === cur.namespace &&
    wanted.name === cur.name
  ) {
    await moveReleaseRecords(settings.client, cur.name, status.storageNamespace, wanted.storageNamespace);
    ctx.log.info(`release records of ${cur.name} moved to storage namespace ${wanted.storageNamespace}`);
    status.storageNamespace = wanted.storageNamespace;
    return false;
  }
  ctx.log.info(`release target configuration changed (${reason}): running uninstall for current release`);
  await uninstallRecorded(obj, actions(await recordedTarget(settings, obj, cur, ctx.signal)));
  delete status.history;
  clearFailures(obj);
  delete status.storageNamespace;
  return true;
}

/**
 * Uninstalls the release of a deleted HelmRelease. Skipped when nothing was installed, or when the
 * `spec.kubeConfig` Secret or the impersonated ServiceAccount is gone (the namespace is going away);
 * other failures set Ready=False UninstallFailed and are retried.
 */
export async function uninstallForDeletion(
  settings: TargetSettings,
  obj: HelmRelease,
  actions: ActionContextFor,
  log: Logger,
): Promise<void> {
  const cur = latestSnapshot(obj);
  const status = statusOf(obj);
  if (!status.storageNamespace || !cur) {
    log.info("skipping Helm release uninstallation: no storage namespace configured");
    return;
  }
  const fail = (message: string, cause: unknown): never => {
    markFalse(obj, ConditionType.Ready, HelmReleaseReason.UninstallFailed, message);
    throw new ReleaseFailedError(HelmReleaseReason.UninstallFailed, message, { cause });
  };
  let target: ReleaseTarget;
  try {
    target = await recordedTarget(settings, obj, cur);
  } catch (err: unknown) {
    if (err instanceof KubeConfigSecretNotFoundError) {
      log.error({ error: err.message }, "skipping Helm release uninstallation");
      return;
    }
    return fail(`failed to build REST client getter to uninstall release: ${errorMessage(err)}`, err);
  }
  if (!obj.spec.kubeConfig && target.impersonate) {
    const sa = target.impersonate.slice(target.impersonate.lastIndexOf(":") + 1);
    try {
      await settings.client.get({
        apiVersion: "v1",
        kind: "ServiceAccount",
        namespace: obj.metadata.namespace ?? "",
        name: sa,
      });
    } catch (err: unknown) {
      if (isNotFound(err)) {
        log.error({ error: errorMessage(err) }, "skipping Helm release uninstallation");
        return;
      }
      fail(`failed to confirm ServiceAccount '${sa}' can be used to uninstall release: ${errorMessage(err)}`, err);
    }
  }
  await uninstallRecorded(obj, actions(target));
  log.info("uninstalled Helm release for deleted resource");
  delete status.history;
  delete status.storageNamespace;
}
