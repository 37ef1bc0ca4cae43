import type { Logger } from "pino";
import type { ApiObject } from "../kube/object-ref.js";
import type { ReconcileResult } from "./result.js";

/** What a reconcile run gets besides its object. */
export interface ReconcileContext {
  /** Logger carrying controller, kind, namespace, name and reconcileID. */
  log: Logger;
  /** Aborts when the controller must stop at once (shutdown deadline passed, leadership lost). */
  signal: AbortSignal;
  /** Unique id of this run, also in every log line. */
  reconcileID: string;
  /** The work-queue key (`namespace/name`). */
  key: string;
  /**
   * Shows the controller's cache the object as the API server returned it after a write of this run, so the
   * next run reads its own writes even before the watch delivers them (the reconcile skeleton calls it after
   * every status or finalizer patch). Absent outside a controller.
   */
  observeWrite?: ((written: ApiObject) => void) | undefined;
  /**
   * Records the run's per-object metrics (`gotk_reconcile_duration_seconds`; with legacy object metrics also
   * `gotk_reconcile_condition` and `gotk_suspend_status`) from the object as it ends the run. The reconcile skeleton calls it once, after
   * the final status patch; when a reconciler does not, the controller records them after the run.
   */
  recordMetrics?: ((obj: ApiObject, durationSeconds: number) => void) | undefined;
}

/**
 * Business logic for one kind. `reconcile` receives a private, mutable copy of the object from the cache
 * (the controller handles objects that are gone). It returns a {@link ReconcileResult} or throws a typed
 * reconcile error: StallingError (no retry until the spec changes), WaitingError (retry after its delay),
 * TerminalError (no retry), anything else (retry with exponential backoff).
 */
export interface Reconciler<T extends ApiObject> {
  reconcile(obj: T, ctx: ReconcileContext): Promise<ReconcileResult>;
}
