import type { JsonObject } from "./util/json.js";

/** One entry of Status.details.causes. */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** Status.details as kube-apiserver fills it. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** Identifies a resource in error messages: `deployments.apps`, `configmaps`. */
export interface QualifiedResource {
  group: string;
  resource: string;
}

function qualified(r: QualifiedResource): string {
  return r.group === "" ? r.resource : `${r.resource}.${r.group}`;
}

/**
 * An API failure that becomes a `Status` response body with the HTTP code, reason and details
 * kube-apiserver uses for the same situation.
 */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  /** The `Status` object sent to clients. */
  toStatus(): JsonObject {
    const status: JsonObject = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
    };
    if (this.reason !== "") status["reason"] = this.reason;
    if (this.details !== undefined) status["details"] = this.details as JsonObject;
    status["code"] = this.code;
    return status;
  }
}

function details(r: QualifiedResource, name: string | undefined, extra?: Partial<StatusDetails>): StatusDetails {
  const d: StatusDetails = {};
  if (name !== undefined && name !== "") d.name = name;
  if (r.group !== "") d.group = r.group;
  d.kind = r.resource;
  return { ...d, ...extra };
}

/** 404 NotFound: `configmaps "x" not found`. */
export function notFound(r: QualifiedResource, name: string): ApiError {
  return new ApiError(404, "NotFound", `${qualified(r)} "${name}" not found`, details(r, name));
}

/** 409 AlreadyExists: `configmaps "x" already exists`. */
export function alreadyExists(r: QualifiedResource, name: string): ApiError {
  return new ApiError(409, "AlreadyExists", `${qualified(r)} "${name}" already exists`, details(r, name));
}

/** 409 Conflict for a stale resourceVersion or a failed precondition. */
export function conflict(r: QualifiedResource, name: string, why: string): ApiError {
  return new ApiError(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualified(r)} "${name}": ${why}`,
    details(r, name),
  );
}

/** The message kube-apiserver gives for an update with a stale resourceVersion. */
export const OBJECT_MODIFIED =
  "the object has been modified; please apply your changes to the latest version and try again";

/** A field validation error, aggregated into a 422 Invalid. */
export interface FieldError {
  type:
    | "FieldValueRequired"
    | "FieldValueInvalid"
    | "FieldValueNotSupported"
    | "FieldValueForbidden"
    | "FieldValueDuplicate"
    | "FieldValueTooLong"
    | "FieldValueTooMany"
    | "FieldValueNotFound"
    | "FieldValueTypeInvalid";
  field: string;
  /** Message detail after the type prefix, e.g. `"X": must be lowercase`. */
  detail: string;
  /** The offending value, quoted into the message for Invalid/NotSupported/Duplicate. */
  value?: unknown;
  /** Set when the value is not printed (Required, Forbidden). */
  omitValue?: boolean;
  /** The value as kube-apiserver prints it, when that is not its JSON (Go's `%#v` of maps and structs). */
  valueText?: string;
}

const PREFIX: Record<FieldError["type"], string> = {
  FieldValueRequired: "Required value",
  FieldValueInvalid: "Invalid value",
  FieldValueNotSupported: "Unsupported value",
  FieldValueForbidden: "Forbidden",
  FieldValueDuplicate: "Duplicate value",
  FieldValueTooLong: "Too long",
  FieldValueTooMany: "Too many",
  FieldValueNotFound: "Not found",
  FieldValueTypeInvalid: "Invalid value",
};

function formatValue(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (v === null || v === undefined) return "null";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** The `<type>: <value>: <detail>` text of one field error (without the field). */
export function fieldErrorBody(e: FieldError): string {
  const parts = [PREFIX[e.type]];
  if (!e.omitValue && e.valueText !== undefined) parts.push(e.valueText);
  else if (!e.omitValue && e.value !== undefined) parts.push(formatValue(e.value));
  if (e.detail !== "") parts.push(e.detail);
  return parts.join(": ");
}

/** 422 Invalid naming every failing field, as kube-apiserver's NewInvalid does. */
export function invalid(kind: { group: string; kind: string }, name: string, errors: FieldError[]): ApiError {
  const qualifiedKind = kind.group === "" ? kind.kind : `${kind.kind}.${kind.group}`;
  const texts = errors.map((e) => (e.field === "" ? fieldErrorBody(e) : `${e.field}: ${fieldErrorBody(e)}`));
  const aggregate = texts.length === 1 ? texts[0]! : `[${texts.join(", ")}]`;
  const d: StatusDetails = {};
  if (name !== "") d.name = name;
  if (kind.group !== "") d.group = kind.group;
  d.kind = kind.kind;
  d.causes = errors.map((e) => ({ reason: e.type, message: fieldErrorBody(e), field: e.field }));
  return new ApiError(422, "Invalid", `${qualifiedKind} "${name}" is invalid: ${aggregate}`, d);
}

/** 400 BadRequest. */
export function badRequest(message: string): ApiError {
  return new ApiError(400, "BadRequest", message);
}

/** 405 MethodNotAllowed. */
export function methodNotSupported(r: QualifiedResource, action: string): ApiError {
  return new ApiError(405, "MethodNotAllowed", `${action} is not supported on resources of kind "${qualified(r)}"`, {
    ...(r.group !== "" ? { group: r.group } : {}),
    kind: r.resource,
  });
}

/** 410 Expired (too old resourceVersion or continue token). */
export function expired(message: string): ApiError {
  return new ApiError(410, "Expired", message);
}

/** 401 Unauthorized. */
export function unauthorized(): ApiError {
  return new ApiError(401, "Unauthorized", "Unauthorized");
}

/** 403 Forbidden for a resource. */
export function forbidden(r: QualifiedResource, name: string, why: string, causes?: StatusCause[]): ApiError {
  const subject = name === "" ? qualified(r) : `${qualified(r)} "${name}"`;
  return new ApiError(403, "Forbidden", `${subject} is forbidden: ${why}`, details(r, name, causes ? { causes } : {}));
}

/** 415 UnsupportedMediaType for patch and body content types. */
export function unsupportedMediaType(accepted: string[]): ApiError {
  return new ApiError(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`,
  );
}

/** 406 NotAcceptable. */
export function notAcceptable(accepted: string[]): ApiError {
  return new ApiError(406, "NotAcceptable", `only the following media types are accepted: ${accepted.join(", ")}`);
}

/** 500 InternalError. */
export function internalError(err: unknown): ApiError {
  const msg = err instanceof Error ? err.message : String(err);
  return new ApiError(500, "InternalError", `Internal error occurred: ${msg}`, { causes: [{ message: msg }] });
}

/** 404 for a URL that names no API path. */
export function pathNotFound(): ApiError {
  return new ApiError(404, "NotFound", "the server could not find the requested resource", {});
}
