// helm-controller's one-off requests by annotation (`reconcile.fluxcd.io/forceAt`, `…/resetAt`): acted on
// once, when their value equals `reconcile.fluxcd.io/requestedAt` and that request is not handled yet.

import { type HelmRelease, HelmReleaseAnnotation } from "@sluice/api";
import { reconcileRequestedAt } from "@sluice/runtime";
import { statusOf } from "./request.js";

function handleRequest(obj: HelmRelease, annotation: string, field: "lastHandledForceAt" | "lastHandledResetAt") {
  const requestAt = obj.metadata.annotations?.[annotation];
  if (requestAt === undefined) return false;
  const status = statusOf(obj);
  const lastHandled = status[field];
  status[field] = requestAt;
  const reconcileAt = reconcileRequestedAt(obj);
  return (
    reconcileAt !== undefined &&
    requestAt === reconcileAt &&
    status.lastHandledReconcileAt !== reconcileAt &&
    lastHandled !== requestAt
  );
}

/**
 * Whether a force request (`forceAt` equal to `requestedAt`) is to be handled now. Records the annotation in
 * `status.lastHandledForceAt` whenever present, so a request is handled at most once.
 */
export function shouldHandleForceRequest(obj: HelmRelease): boolean {
  return handleRequest(obj, HelmReleaseAnnotation.ForceRequestedAt, "lastHandledForceAt");
}

/** Like {@link shouldHandleForceRequest}, for `resetAt` and `status.lastHandledResetAt`. */
export function shouldHandleResetRequest(obj: HelmRelease): boolean {
  return handleRequest(obj, HelmReleaseAnnotation.ResetRequestedAt, "lastHandledResetAt");
}
