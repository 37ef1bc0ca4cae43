// One reconcile run as its steps see it: the object, the per-run state, progress patches, deferred cleanups
// and events.

import type { Condition, EventSeverityName } from "@sluice/api";
import { Reason } from "@sluice/api";
import type { Logger } from "pino";
import type { ReconcileContext } from "../controller/reconciler.js";
import { errorMessage, GenericReconcileError } from "../errors/reconcile-errors.js";
import type { EventInput } from "../events/types.js";
import type { ApiObject } from "../kube/object-ref.js";
import { reconcileRequestedAt } from "../status/reconcile-request.js";
import type { PatchableObject, StatusPatcher } from "../status/status-patcher.js";

/**
 * What the skeleton needs of a kind: metadata, an optional `spec.suspend`, and a status with kstatus
 * conditions, `observedGeneration` and `lastHandledReconcileAt` (every Flux kind has them).
 */
export type ReconcilableObject = PatchableObject & {
  spec?: { suspend?: boolean | undefined } | undefined;
  status?:
    | {
        conditions?: Condition[] | undefined;
        observedGeneration?: number | undefined;
        lastHandledReconcileAt?: string | undefined;
      }
    | undefined;
};

/** Where the skeleton and the steps send events (an `EventRecorder` fits). */
export interface EventSink {
  event(obj: ApiObject, input: EventInput): Promise<unknown>;
}

/** One reconcile run of `obj`, handed to every step. */
export interface ReconcileRun<T, S> {
  /** The object being reconciled: a private, mutable copy; the skeleton writes its status at the end. */
  readonly obj: T;
  /** A copy of the object as it was before the steps ran (to tell what changed: new artifact, recovery). */
  readonly old: T;
  /** State the steps of this run share (created per run by the kind's `newState`). */
  readonly state: S;
  /** Logger carrying controller, kind, namespace, name and reconcileID. */
  readonly log: Logger;
  /** Aborts when the controller must stop at once. */
  readonly signal: AbortSignal;
  /** The controller's context of this run. */
  readonly ctx: ReconcileContext;
  /** `Date.now()` when the run started. */
  readonly startedAt: number;
  /** `metadata.generation` differs from `status.observedGeneration`: the spec changed since the last run. */
  readonly newGeneration: boolean;
  /** `reconcile.fluxcd.io/requestedAt` differs from `status.lastHandledReconcileAt`: a run was requested. */
  readonly reconcileRequested: boolean;
  /**
   * Writes the status (and finalizers) changed so far, e.g. to show Reconciling while a long step runs.
   * Throws a GenericReconcileError with reason `PatchOperationFailed` when the API refuses.
   */
  patch(): Promise<void>;
  /** Registers a cleanup run when the steps end, success or not, before the final status (as Go's `defer`). */
  defer(cleanup: () => Promise<void> | void): void;
  /** Records an event about the object, decorated as the kind says (never awaited; failures are logged). */
  event(severity: EventSeverityName, reason: string, message: string, metadata?: Record<string, string>): void;
}

/** The skeleton's implementation of {@link ReconcileRun}. */
export class Run<T extends ReconcilableObject, S> implements ReconcileRun<T, S> {
  readonly old: T;
  readonly state: S;
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly startedAt = Date.now();
  readonly newGeneration: boolean;
  readonly reconcileRequested: boolean;
  readonly #cleanups: Array<() => Promise<void> | void> = [];

  constructor(
    readonly obj: T,
    readonly ctx: ReconcileContext,
    readonly patcher: StatusPatcher<T>,
    newState: (obj: T) => S,
    readonly emit: (run: Run<T, S>, input: EventInput) => void,
  ) {
    this.log = ctx.log;
    this.signal = ctx.signal;
    this.newGeneration = (obj.metadata.generation ?? 0) !== (obj.status?.observedGeneration ?? 0);
    this.reconcileRequested = (reconcileRequestedAt(obj) ?? "") !== (obj.status?.lastHandledReconcileAt ?? "");
    this.old = structuredClone(obj);
    this.state = newState(obj);
  }

  async patch(): Promise<void> {
    try {
      await this.patcher.patch(this.obj);
    } catch (err: unknown) {
      throw new GenericReconcileError(Reason.PatchOperationFailed, errorMessage(err), { cause: err });
    }
  }

  defer(cleanup: () => Promise<void> | void): void {
    this.#cleanups.push(cleanup);
  }

  event(severity: EventSeverityName, reason: string, message: string, metadata?: Record<string, string>): void {
    this.emit(this, { severity, reason, message, ...(metadata ? { metadata } : {}) });
  }

  /** Runs the deferred cleanups, last registered first; failures are logged, never thrown. */
  async runDeferred(): Promise<void> {
    for (const cleanup of this.#cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (err: unknown) {
        this.log.error({ error: err }, "cleanup after the reconcile steps failed");
      }
    }
  }
}
