import { Annotation } from "@sluice/api";
import type { ApiObject } from "../kube/object-ref.js";

/** An object whose status can record the last handled reconcile request (every Flux kind). */
export type ReconcileRequestObject = ApiObject & { status?: { lastHandledReconcileAt?: string } | object | undefined };

/** The `reconcile.fluxcd.io/requestedAt` annotation value (set by `flux reconcile`), or undefined. */
export function reconcileRequestedAt(obj: ApiObject): string | undefined {
  return obj.metadata.annotations?.[Annotation.ReconcileRequestedAt];
}

/**
 * Mirrors `reconcile.fluxcd.io/requestedAt` into `status.lastHandledReconcileAt` (Flux's
 * ReconcileRequestStatus), so `flux reconcile` can tell its request was handled. A no-op without the
 * annotation.
 */
export function markReconcileRequestHandled(obj: ReconcileRequestObject): void {
  const requested = reconcileRequestedAt(obj);
  if (requested === undefined) return;
  const status = (obj.status ?? {}) as { lastHandledReconcileAt?: string };
  status.lastHandledReconcileAt = requested;
  obj.status = status;
}
