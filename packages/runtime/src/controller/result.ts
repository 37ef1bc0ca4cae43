/**
 * What a reconcile asks for next. `requeueAfter` (ms) schedules the next run, jittered by the controller
 * (`--interval-jitter-percentage`); absent, the object runs again only on a watch event.
 */
export interface ReconcileResult {
  requeueAfter?: number;
}

/** A result with no requeue: wait for the next watch event. */
export const DONE: ReconcileResult = Object.freeze({});

/** A result requeueing after `ms` milliseconds (usually the object's `spec.interval`). */
export function requeueAfter(ms: number): ReconcileResult {
  if (!(ms >= 0)) throw new RangeError(`requeueAfter: delay must be >= 0, got ${ms}`);
  return { requeueAfter: ms };
}

/** The shorter of two requeue requests (absent means never). */
export function earliestResult(a: ReconcileResult, b: ReconcileResult): ReconcileResult {
  if (a.requeueAfter === undefined) return b;
  if (b.requeueAfter === undefined) return a;
  return a.requeueAfter <= b.requeueAfter ? a : b;
}
