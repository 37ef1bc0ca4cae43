import { Reason } from "@sluice/api";

/** Options shared by every reconcile error. */
export interface ReconcileErrorOptions {
  /** The underlying failure, kept as `cause` (its message is not repeated automatically). */
  cause?: unknown;
}

/**
 * The base of every typed reconcile error: a condition/event `reason` (CamelCase, as Kubernetes condition
 * reasons must be) and a human message naming the object, field or remote and the cause.
 */
export abstract class ReconcileError extends Error {
  /** What the controller does with the error: see {@link ReconcileErrorKind}. */
  abstract readonly kind: ReconcileErrorKind;

  constructor(
    /** Condition and event reason, e.g. `InvalidURL`, `DependencyNotReady`, `ArtifactFailed`. */
    readonly reason: string,
    message: string,
    options: ReconcileErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

/**
 * How the controller treats a reconcile error:
 * - `stalling`: the spec is wrong; Stalled=True, no retry until the object changes (new generation).
 * - `waiting`: a dependency is not ready; requeue after `requeueAfter`, no backoff, not counted as an error.
 * - `generic`: anything transient; retry with per-key exponential backoff.
 * - `terminal`: retrying cannot help and the spec is not to blame; logged and counted, never retried.
 */
export type ReconcileErrorKind = "stalling" | "waiting" | "generic" | "terminal";

/**
 * The object's spec cannot be reconciled as written (invalid URL, missing required reference, bad
 * duration). The controller marks Stalled=True with this reason and does not requeue; a spec change (new
 * generation) triggers the next attempt through the watch.
 */
export class StallingError extends ReconcileError {
  readonly kind = "stalling" as const;
  constructor(reason: string, message: string, options?: ReconcileErrorOptions) {
    super(reason, message, options);
    this.name = "StallingError";
  }
}

/** Options of {@link WaitingError}. */
export interface WaitingErrorOptions extends ReconcileErrorOptions {
  /**
   * An info event announcing the wait, with the error's reason (e.g. Flux's kustomize-controller
   * `Dependencies do not meet ready condition, retrying in 30s`). Without it a wait is only logged.
   */
  notice?: string;
}

/**
 * Something the object depends on is not ready yet (a source without an artifact, a dependency not Ready).
 * The controller requeues after `requeueAfter` ms without backoff; Ready=False with this reason.
 */
export class WaitingError extends ReconcileError {
  readonly kind = "waiting" as const;
  /** The info event announcing the wait, if any (see {@link WaitingErrorOptions.notice}). */
  readonly notice: string | undefined;
  constructor(
    reason: string,
    message: string,
    /** Delay before the next attempt, in milliseconds. */
    readonly requeueAfter: number,
    options: WaitingErrorOptions = {},
  ) {
    super(reason, message, options);
    this.name = "WaitingError";
    this.notice = options.notice;
    if (!(requeueAfter >= 0)) throw new RangeError(`WaitingError: requeueAfter must be >= 0, got ${requeueAfter}`);
  }
}

/** Options of {@link GenericReconcileError}. */
export interface GenericReconcileErrorOptions extends ReconcileErrorOptions {
  /** Whether an event is emitted for this error (default true). */
  event?: boolean;
  /**
   * Retry after this many milliseconds instead of backing off (Flux's kustomize and helm controllers retry a
   * failed apply after `spec.retryInterval`). The reconcile skeleton turns it into a requeue.
   */
  retryAfter?: number;
}

/**
 * A transient failure (network, API conflict, remote unavailable): Ready=False with this reason, an event,
 * and a retry with per-key exponential backoff (750 ms → 15 min by default), or after `retryAfter` when set.
 */
export class GenericReconcileError extends ReconcileError {
  readonly kind = "generic" as const;
  /** Whether an event is emitted for this error. */
  readonly event: boolean;
  /** Fixed delay before the retry, in milliseconds, instead of the backoff (see the options). */
  readonly retryAfter: number | undefined;
  constructor(reason: string, message: string, options: GenericReconcileErrorOptions = {}) {
    super(reason, message, options);
    this.name = "GenericReconcileError";
    this.event = options.event ?? true;
    this.retryAfter = options.retryAfter;
    if (this.retryAfter !== undefined && !(this.retryAfter >= 0)) {
      throw new RangeError(`GenericReconcileError: retryAfter must be >= 0, got ${this.retryAfter}`);
    }
  }
}

/**
 * A failure that retrying cannot fix and that is not the spec's fault (controller-runtime's TerminalError):
 * logged, counted as an error, never requeued; the next watch event or interval brings a new attempt.
 */
export class TerminalError extends ReconcileError {
  readonly kind = "terminal" as const;
  constructor(reason: string, message: string, options?: ReconcileErrorOptions) {
    super(reason, message, options);
    this.name = "TerminalError";
  }
}

/** True for any of the typed reconcile errors. */
export function isReconcileError(err: unknown): err is ReconcileError {
  return err instanceof ReconcileError;
}

/**
 * The typed view of anything a reconciler threw: typed errors as they are, anything else wrapped in a
 * {@link GenericReconcileError} with reason `Failed` (so it is retried with backoff).
 */
export function asReconcileError(err: unknown): ReconcileError {
  if (err instanceof ReconcileError) return err;
  return new GenericReconcileError(Reason.Failed, errorMessage(err), { cause: err });
}

/** The message of any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === "string") return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}
