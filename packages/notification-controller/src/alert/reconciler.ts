// The Alert reconciler. v1beta3 Alerts are static: as Flux, it only removes the `finalizers.fluxcd.io`
// finalizer older versions added (event `Migration`); Alerts are read from the cache when events arrive.

import { ALERT_API_VERSION, type Alert, FINALIZER } from "@sluice/api";
import type { ReconcileContext, ReconcileResult, Reconciler } from "@sluice/runtime/controller";
import type { EventRecorder } from "@sluice/runtime/events";
import type { KubeClient } from "@sluice/runtime/kube";
import { type ReconcileRun, StepReconciler, step } from "@sluice/runtime/reconcile";

/** Options of {@link AlertReconciler}. */
export interface AlertReconcilerOptions {
  client: KubeClient;
  events: EventRecorder;
}

/**
 * Migrates Alerts off the finalizer, through the runtime's reconcile skeleton as a static kind (no
 * finalizer of its own, no status, no periodic run): the one step — also run on deletion, and skipped while
 * `spec.suspend` is set — drops the legacy finalizer and announces it.
 */
export class AlertReconciler implements Reconciler<Alert> {
  readonly #skeleton: StepReconciler<Alert>;

  constructor(options: AlertReconcilerOptions) {
    this.#skeleton = new StepReconciler<Alert>({
      apiVersion: ALERT_API_VERSION,
      kind: "Alert",
      client: options.client,
      fieldManager: "notification-controller",
      ownedConditions: [],
      events: options.events,
      finalizer: null,
      statusless: true,
      steps: [step("migrateToStatic", migrateToStatic)],
      interval: () => 0,
      finalize: migrateToStatic,
    });
  }

  reconcile(obj: Alert, ctx: ReconcileContext): Promise<ReconcileResult> {
    return this.#skeleton.reconcile(obj, ctx);
  }
}

/** Drops `finalizers.fluxcd.io` (written by the skeleton's final patch) with a `Migration` event. */
async function migrateToStatic(run: ReconcileRun<Alert, undefined>): Promise<void> {
  const meta = run.obj.metadata;
  if (!(meta.finalizers ?? []).includes(FINALIZER)) return;
  meta.finalizers = (meta.finalizers ?? []).filter((f) => f !== FINALIZER);
  const msg = "removed finalizer from Alert to migrate to static Alert";
  run.log.info(msg);
  run.event("info", "Migration", msg);
}
