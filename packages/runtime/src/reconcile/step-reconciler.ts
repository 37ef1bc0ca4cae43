// The one reconcile skeleton every kind runs through (Flux's Reconcile → reconcile over []reconcileFunc with a
// deferred summarize-and-patch, written once).

import { FINALIZER, formatDuration, Reason } from "@sluice/api";
import type { ReconcileContext, Reconciler } from "../controller/reconciler.js";
import { DONE, type ReconcileResult, requeueAfter } from "../controller/result.js";
import {
  asReconcileError,
  errorMessage,
  GenericReconcileError,
  type ReconcileError,
  WaitingError,
} from "../errors/reconcile-errors.js";
import type { EventInput } from "../events/types.js";
import { isNotFound } from "../kube/api-error.js";
import type { KubeClient } from "../kube/kube-client.js";
import { markReconcileRequestHandled } from "../status/reconcile-request.js";
import { StatusPatcher } from "../status/status-patcher.js";
import { type EventSink, type ReconcilableObject, type ReconcileRun, Run } from "./run.js";
import type { ReconcileStep, StepResult } from "./step.js";
import type { Summarizer } from "./summarizers.js";

/** How a run's steps ended, as the kind's `afterPatch` sees it. */
export interface StepsOutcome {
  /** What a step threw, as a typed error; undefined when the steps succeeded. */
  error: ReconcileError | undefined;
  /** The steps did all this generation needs (all ran, or one returned `"up-to-date"`). */
  complete: boolean;
}

/** A kind's part of the skeleton: its identity, its steps, and how its run ends. */
export interface StepReconcilerOptions<T extends ReconcilableObject, S> {
  /** apiVersion of the reconciled kind (filled in when a cached object lacks it). */
  apiVersion: string;
  /** The reconciled kind. */
  kind: string;
  /** Client for status and finalizer writes. */
  client: KubeClient;
  /** Field manager of status writes (Flux: the controller name). */
  fieldManager: string;
  /** Condition types the kind owns: on a conflicting status write, ours win. */
  ownedConditions: readonly string[];
  /**
   * The finalizer guarding cleanup (default `finalizers.fluxcd.io`); `null` for a kind that keeps none
   * (none is added; on deletion only `finalize` runs).
   */
  finalizer?: string | null | undefined;
  /**
   * The kind has no status (v1beta3 Alert and Provider): no summarizer, no `lastHandledReconcileAt`, only
   * finalizer changes are written.
   */
  statusless?: boolean | undefined;
  /** Where events go (none when absent). */
  events?: EventSink | undefined;
  /** Creates the state one run's steps share (a checkout, a chart build, …); absent, the state is undefined. */
  newState?: ((obj: T) => S) | undefined;
  /** The steps, run in order until one stops the run or throws. */
  steps: readonly ReconcileStep<T, S>[];
  /**
   * How Ready, Stalled, Reconciling and observedGeneration are set at the end: `summarizeReadyFrom(table)`
   * for kinds whose Ready is summarized from owned conditions, `readySetDirectly` for kinds whose steps set
   * Ready, or the kind's own (helm-controller's release summary). Absent only for a `statusless` kind.
   */
  summarize?: Summarizer<T> | undefined;
  /**
   * Also run the summarizer when the object is suspended (Flux's kustomize-controller finalizes the status
   * of a suspended Kustomization: Ready=True still observes the generation); by default a suspended
   * object's conditions are left as they are.
   */
  summarizeSuspended?: boolean | undefined;
  /**
   * Delay before the next run after a successful one (usually `spec.interval`), in milliseconds; 0 or
   * undefined means no periodic run (as controller-runtime's `RequeueAfter: 0`): only a change of the object
   * brings one (e.g. an ImagePolicy without digest refresh).
   */
  interval: (obj: T) => number | undefined;
  /** Cleanup of an object being deleted, before its finalizer is dropped (storage, pruning, uninstall). */
  finalize?: ((run: ReconcileRun<T, S>) => Promise<void>) | undefined;
  /**
   * Runs after the final status was written, when the object still exists: success events (NewArtifact,
   * `Reconciliation finished …`), garbage collection. Failures are logged.
   */
  afterPatch?: ((run: ReconcileRun<T, S>, outcome: StepsOutcome) => Promise<void> | void) | undefined;
  /** Shapes every event of the kind before it is recorded (revision metadata, reason from Ready, …). */
  decorateEvent?: ((run: ReconcileRun<T, S>, event: EventInput) => EventInput) | undefined;
}

/** Which path a run took; its end (status, metrics, events) depends on it. */
type Path = "deletion" | "suspended" | "steps";

/**
 * The reconcile skeleton. For each object from the cache:
 *
 * 1. a status patcher remembering the last written state (every write is shown to the controller's cache,
 *    so the next run reads its own writes);
 * 2. `try`: deletion (the kind's `finalize`, then the finalizer dropped) → the finalizer added →
 *    `spec.suspend` (stop) → the steps in order, each returning a {@link StepResult} or throwing a typed
 *    reconcile error; deferred cleanups run when the steps end;
 * 3. then, on every path, one end: the kind's summarizer sets Ready/Stalled/Reconciling and
 *    observedGeneration (not for deletion or suspension), `status.lastHandledReconcileAt` mirrors the
 *    requestedAt annotation, the status is patched (PatchOperationFailed naming the object when the API
 *    refuses), per-object metrics are recorded, and the error is reported once as an event (waits are
 *    only logged, unless they carry a notice); `afterPatch` follows.
 *
 * The result: success requeues after `interval`; a StallingError or TerminalError is thrown (no retry until
 * the object changes); a WaitingError is thrown (requeue after its delay); a GenericReconcileError with
 * `retryAfter` is logged and requeued after that delay; any other error is thrown (retry with backoff).
 */
export class StepReconciler<T extends ReconcilableObject, S = undefined> implements Reconciler<T> {
  readonly #o: StepReconcilerOptions<T, S>;
  readonly #finalizer: string | null;

  constructor(options: StepReconcilerOptions<T, S>) {
    this.#o = options;
    this.#finalizer = options.finalizer === undefined ? FINALIZER : options.finalizer;
  }

  /** Runs one reconcile of `obj` (a private copy from the cache); see the class comment. */
  async reconcile(obj: T, ctx: ReconcileContext): Promise<ReconcileResult> {
    obj.kind ||= this.#o.kind;
    obj.apiVersion ||= this.#o.apiVersion;
    const patcher = new StatusPatcher<T>(this.#o.client, obj, {
      fieldManager: this.#o.fieldManager,
      ownedConditions: this.#o.ownedConditions,
      onWrite: ctx.observeWrite,
    });
    const newState = this.#o.newState ?? (() => undefined as S);
    const run = new Run<T, S>(obj, ctx, patcher, newState, (r, input) => this.#emit(r, input));

    let path: Path = "steps";
    let stop: StepResult | undefined;
    let error: unknown;
    try {
      if (obj.metadata.deletionTimestamp) {
        path = "deletion";
        await this.#delete(run);
      } else {
        await this.#addFinalizer(run);
        if (obj.spec?.suspend) {
          path = "suspended";
          run.log.info("reconciliation is suspended for this object");
        } else {
          stop = await this.#runSteps(run);
        }
      }
    } catch (err: unknown) {
      error = err;
    } finally {
      await run.runDeferred();
    }
    return this.#end(run, path, stop, error);
  }

  /** The kind's cleanup, then the finalizer dropped (a no-op once it is gone: cleanup already ran). */
  async #delete(run: Run<T, S>): Promise<void> {
    const meta = run.obj.metadata;
    const finalizer = this.#finalizer;
    if (finalizer === null) {
      await this.#o.finalize?.(run);
      return;
    }
    if (!(meta.finalizers ?? []).includes(finalizer)) return;
    await this.#o.finalize?.(run);
    meta.finalizers = (meta.finalizers ?? []).filter((f) => f !== finalizer);
  }

  /** Adds the finalizer first, so deletion always finds something to clean up. */
  async #addFinalizer(run: Run<T, S>): Promise<void> {
    const meta = run.obj.metadata;
    const finalizer = this.#finalizer;
    if (finalizer === null || (meta.finalizers ?? []).includes(finalizer)) return;
    meta.finalizers = [...(meta.finalizers ?? []), finalizer];
    await run.patch();
  }

  /** Runs the steps in order; returns how the last one stopped the run (undefined: all ran). */
  async #runSteps(run: Run<T, S>): Promise<StepResult | undefined> {
    for (const s of this.#o.steps) {
      const result = await s.run(run);
      if (result === "up-to-date" || (typeof result === "object" && result !== null)) {
        run.log.debug({ step: s.name, result }, "reconcile step stopped the run");
        return result;
      }
    }
    return undefined;
  }

  /** The one end of every run: conditions, the final patch, metrics, events, and the controller's result. */
  async #end(run: Run<T, S>, path: Path, stop: StepResult | undefined, error: unknown): Promise<ReconcileResult> {
    const obj = run.obj;
    const typed = error === undefined ? undefined : asReconcileError(error);
    const complete = typed === undefined && typeof stop !== "object";
    const summarized =
      !this.#o.statusless && (path === "steps" || (path === "suspended" && this.#o.summarizeSuspended === true));
    const finalized =
      summarized && this.#o.summarize
        ? this.#o.summarize(obj, { error: typed, complete })
        : { observedGeneration: false, error: typed };
    if (!this.#o.statusless) markReconcileRequestHandled(obj);

    let gone = false;
    let patchError: GenericReconcileError | undefined;
    try {
      await run.patcher.patch(obj, { observedGeneration: finalized.observedGeneration });
    } catch (err: unknown) {
      if (isNotFound(err)) gone = true;
      else {
        const name = `${obj.kind} '${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ""}${obj.metadata.name}'`;
        patchError = new GenericReconcileError(
          Reason.PatchOperationFailed,
          `failed to patch status of ${name}: ${errorMessage(err)}`,
          { cause: err },
        );
      }
    }
    run.ctx.recordMetrics?.(obj, (Date.now() - run.startedAt) / 1000);
    if (gone) return DONE;
    this.#reportError(run, typed);
    if (patchError) throw patchError;
    if (path !== "steps") {
      if (typed) throw typed;
      return DONE;
    }

    try {
      await this.#o.afterPatch?.(run, { error: typed, complete });
    } catch (err: unknown) {
      run.log.error({ error: err }, "after-patch work of the reconcile failed");
    }

    if (finalized.error === undefined) {
      if (typeof stop === "object") return requeueAfter(stop.requeueAfter);
      const interval = this.#o.interval(obj);
      return interval !== undefined && interval > 0 ? requeueAfter(interval) : DONE;
    }
    const failure = asReconcileError(finalized.error);
    if (failure instanceof GenericReconcileError && failure.retryAfter !== undefined) {
      run.log.error(
        { error: failure.message, reason: failure.reason },
        `Reconciliation failed after ${formatDuration(Date.now() - run.startedAt)}, next try in ${formatDuration(failure.retryAfter)}`,
      );
      return requeueAfter(failure.retryAfter);
    }
    throw finalized.error;
  }

  /**
   * The run's failure as one event: a Warning with the error's reason and message for stalling, terminal
   * and generic errors (unless created with `event: false`); a wait only when it carries a notice (info).
   */
  #reportError(run: Run<T, S>, error: ReconcileError | undefined): void {
    if (!error) return;
    if (error.kind === "waiting") {
      if (error instanceof WaitingError && error.notice !== undefined) run.event("info", error.reason, error.notice);
      return;
    }
    if (error instanceof GenericReconcileError && !error.event) return;
    run.event("error", error.reason, error.message);
  }

  /** Records an event through the kind's decoration; never awaited, delivery failures are the sink's. */
  #emit(run: Run<T, S>, input: EventInput): void {
    const sink = this.#o.events;
    if (!sink) return;
    const event = this.#o.decorateEvent ? this.#o.decorateEvent(run, input) : input;
    void sink.event(run.obj, event).catch((err: unknown) => run.log.error({ error: err }, "recording an event failed"));
  }
}
