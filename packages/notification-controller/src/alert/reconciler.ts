// The Alert reconciler. v1beta3 Alerts are static: as Flux, it only removes the `finalizers.fluxcd.io`
// finalizer older versions added (event `Migration`); Alerts are read from the cache when events arrive.

import { type Alert, FINALIZER } from "@sluice/api";
import {
  DONE,
  type EventRecorder,
  type KubeClient,
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
  StatusPatcher,
} from "@sluice/runtime";

/** Options of {@link AlertReconciler}. */
export interface AlertReconcilerOptions {
  client: KubeClient;
  events: EventRecorder;
}

/** Migrates Alerts off the finalizer. */
export class AlertReconciler implements Reconciler<Alert> {
  constructor(private readonly options: AlertReconcilerOptions) {}

  async reconcile(obj: Alert, ctx: ReconcileContext): Promise<ReconcileResult> {
    if (!(obj.metadata.finalizers ?? []).includes(FINALIZER)) return DONE;
    if (obj.spec.suspend && !obj.metadata.deletionTimestamp) {
      ctx.log.info("reconciliation is suspended for this object");
      return DONE;
    }
    const patcher = new StatusPatcher<Alert>(this.options.client, obj, { fieldManager: "notification-controller" });
    obj.metadata.finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
    await patcher.patch(obj, { ignoreNotFound: true });
    const msg = "removed finalizer from Alert to migrate to static Alert";
    ctx.log.info(msg);
    void this.options.events.info(obj, "Migration", msg);
    return DONE;
  }
}
