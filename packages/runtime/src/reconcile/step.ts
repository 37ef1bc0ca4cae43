// The unit of work of the reconcile skeleton: a named step and what it asks for next.

import type { ReconcileRun } from "./run.js";

/**
 * What a step returns to the skeleton (Flux's `sreconcile.Result`):
 * - nothing (`void`) or `"continue"`: go on with the next step;
 * - `"up-to-date"`: stop here, the run is complete (everything is current, e.g. the remote still points at
 *   the stored artifact); the generation is observed and the object requeued after its interval;
 * - `{ requeueAfter }`: stop here without completing the generation (not observed), requeue after that
 *   many milliseconds without counting a failure (Flux's `ResultRequeue`).
 * A step that fails throws one of the runtime's typed errors instead (StallingError, WaitingError,
 * GenericReconcileError, TerminalError); anything else is treated as a GenericReconcileError.
 */
export type StepResult = "continue" | "up-to-date" | { readonly requeueAfter: number };

/** The work of a step: a function of the run (usually a bound method of the kind's reconciler). */
export type StepFunction<T, S> = (
  run: ReconcileRun<T, S>,
  // biome-ignore lint/suspicious/noConfusingVoidType: a step that returns nothing lets the run go on
) => Promise<StepResult | void> | StepResult | void;

/** One named step of a kind's reconcile, run in order by the skeleton. */
export interface ReconcileStep<T, S> {
  /** Names the step in logs and tests (Flux's sub-reconciler names: `reconcileStorage`, `reconcileSource`, …). */
  readonly name: string;
  /** Does the step's work on `run.obj`, setting the conditions it owns. */
  readonly run: StepFunction<T, S>;
}

/** A {@link ReconcileStep} from a name and its function. */
export function step<T, S>(name: string, run: StepFunction<T, S>): ReconcileStep<T, S> {
  return { name, run };
}
