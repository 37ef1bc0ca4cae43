import { ApiError, StatusReason } from "../kube/api-error.js";

/** A failure of the server-side apply of one object; `subject` names it (`Kind/namespace/name`). */
export class ApplyError extends Error {
  constructor(
    readonly subject: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  /** The API failure behind this error, when there is one. */
  get apiError(): ApiError | undefined {
    return this.cause instanceof ApiError ? this.cause : undefined;
  }
}

/** Why a dry-run failed, as far as the apply logic cares. */
export type DryRunFailure =
  /** Not an object at all (no apiVersion, kind or name). */
  | "NotAnObject"
  /** A namespaced kind without `metadata.namespace`. */
  | "NamespaceNotSpecified"
  /** Discovery does not know the kind. */
  | "UnknownKind"
  /** The API server answered (422 Invalid, 404 namespace not found, 403, webhook denial, …). */
  | "Rejected";

/**
 * The server-side dry-run of an object failed (invalid object, unknown kind, missing namespace, webhook
 * denial). `fields` lists the offending field paths the API server reported (`spec.replicas`).
 */
export class DryRunError extends ApplyError {
  readonly fields: string[];

  constructor(
    subject: string,
    cause: unknown,
    detail?: string,
    /** What kind of failure this is. */
    readonly failure: DryRunFailure = "Rejected",
  ) {
    const api = cause instanceof ApiError ? cause : undefined;
    const fields = (api?.details?.causes ?? []).map((c) => c.field).filter((f): f is string => Boolean(f));
    const message = detail ?? describeDryRunFailure(subject, cause, fields);
    super(subject, message, { cause });
    this.fields = fields;
  }
}

function describeDryRunFailure(subject: string, cause: unknown, fields: string[]): string {
  const text = cause instanceof Error ? cause.message : String(cause);
  if (cause instanceof ApiError && cause.status === 404) return `${subject} not found: ${text}`;
  const reason = cause instanceof ApiError && cause.reason ? ` (${cause.reason})` : "";
  const missing = fields.filter((f) => !text.includes(f));
  const suffix = missing.length > 0 ? ` [fields: ${missing.join(", ")}]` : "";
  return `${subject} dry-run failed${reason}: ${text}${suffix}`;
}

/** Several objects failed; every failure is in `errors`, and the message lists them all. */
export class ApplySetError extends Error {
  constructor(readonly errors: ApplyError[]) {
    super(errors.map((e) => e.message).join("\n"));
    this.name = "ApplySetError";
  }
}

/** Objects did not become ready in time, or failed: each entry names the object, its status and message. */
export class WaitError extends Error {
  constructor(
    message: string,
    readonly problems: { subject: string; status: string; message: string }[],
  ) {
    super(message);
    this.name = "WaitError";
  }
}

const immutablePatterns = [/is immutable/i, /immutable field/i, /field is immutable/i, /may not change once set/i];

/**
 * True when an apply failed because it would change an immutable field (a 422 such as
 * `spec.selector: Invalid value: …: field is immutable`): with force, the object is deleted and recreated.
 * Other validation errors are not treated as immutable, so force never deletes an object just because
 * the new version is invalid.
 */
export function isImmutableError(err: unknown): boolean {
  if (!(err instanceof ApiError)) return false;
  if (err.status !== 422 && err.reason !== StatusReason.Invalid) return false;
  const texts = [err.message, ...(err.details?.causes ?? []).map((c) => c.message ?? "")];
  return texts.some((t) => immutablePatterns.some((p) => p.test(t)));
}
