import { STATUS_CODES } from "node:http";

/**
 * Kubernetes `metav1.StatusReason` values: why an API request failed. An empty reason means the server
 * gave none; {@link toApiError} then derives one from the HTTP status code, as apimachinery does.
 */
export const StatusReason = {
  Unknown: "",
  Unauthorized: "Unauthorized",
  Forbidden: "Forbidden",
  NotFound: "NotFound",
  AlreadyExists: "AlreadyExists",
  Conflict: "Conflict",
  Gone: "Gone",
  Invalid: "Invalid",
  ServerTimeout: "ServerTimeout",
  Timeout: "Timeout",
  TooManyRequests: "TooManyRequests",
  BadRequest: "BadRequest",
  MethodNotAllowed: "MethodNotAllowed",
  NotAcceptable: "NotAcceptable",
  RequestEntityTooLarge: "RequestEntityTooLarge",
  UnsupportedMediaType: "UnsupportedMediaType",
  InternalError: "InternalError",
  Expired: "Expired",
  ServiceUnavailable: "ServiceUnavailable",
  /** Not a Kubernetes reason: the request never got an HTTP answer (connection refused, reset, TLS failure). */
  ConnectionFailed: "ConnectionFailed",
} as const;
export type StatusReasonName = (typeof StatusReason)[keyof typeof StatusReason];

/** One cause of a failure (`metav1.StatusCause`), e.g. a field that failed validation. */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** `metav1.StatusDetails`: which object a failure is about, and its causes. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** The `metav1.Status` body the API server sends with a failed request. */
export interface Status {
  apiVersion?: string;
  kind?: "Status";
  status?: "Success" | "Failure";
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code?: number;
}

/**
 * A failed Kubernetes API request: the HTTP `status` code (0 when no answer arrived), the Status `reason`
 * (NotFound, Conflict, …), the server's message and details. Every API failure in Sluice is one of these.
 */
export class ApiError extends Error {
  /** HTTP status code; 0 when the request got no HTTP response. */
  readonly status: number;
  /** Kubernetes Status reason (see {@link StatusReason}). */
  readonly reason: string;
  /** Status details (object name/kind, causes, retry-after), when the server sent them. */
  readonly details: StatusDetails | undefined;

  constructor(init: { status: number; reason: string; message: string; details?: StatusDetails; cause?: unknown }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "ApiError";
    this.status = init.status;
    this.reason = init.reason;
    this.details = init.details;
  }
}

const REASON_FOR_CODE: Record<number, StatusReasonName> = {
  400: StatusReason.BadRequest,
  401: StatusReason.Unauthorized,
  403: StatusReason.Forbidden,
  404: StatusReason.NotFound,
  405: StatusReason.MethodNotAllowed,
  406: StatusReason.NotAcceptable,
  409: StatusReason.Conflict,
  410: StatusReason.Gone,
  413: StatusReason.RequestEntityTooLarge,
  415: StatusReason.UnsupportedMediaType,
  422: StatusReason.Invalid,
  429: StatusReason.TooManyRequests,
  500: StatusReason.InternalError,
  503: StatusReason.ServiceUnavailable,
  504: StatusReason.Timeout,
};

/** The Status reason apimachinery assigns to an HTTP status code when the server sent none. */
export function reasonForStatusCode(code: number): StatusReasonName {
  return REASON_FOR_CODE[code] ?? StatusReason.Unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseBody(body: unknown): Status | undefined {
  if (typeof body === "string") {
    if (body.trim() === "") return undefined;
    try {
      const parsed: unknown = JSON.parse(body);
      return isRecord(parsed) ? (parsed as Status) : undefined;
    } catch {
      return undefined;
    }
  }
  if (Buffer.isBuffer(body)) return parseBody(body.toString("utf8"));
  return isRecord(body) ? (body as Status) : undefined;
}

/**
 * Builds an {@link ApiError} from an HTTP status code and a response body (a Status object, its JSON text,
 * or anything else the server sent).
 */
export function apiErrorFromResponse(code: number, body: unknown, fallbackMessage?: string): ApiError {
  const status = parseBody(body);
  const reason = status?.reason ? status.reason : reasonForStatusCode(code);
  let message = status?.message;
  if (!message) {
    const text = typeof body === "string" ? body.trim() : "";
    message = text && !text.startsWith("{") ? text : (fallbackMessage ?? httpMessage(code));
  }
  return new ApiError({
    status: code,
    reason,
    message,
    ...(status?.details ? { details: status.details } : {}),
  });
}

function httpMessage(code: number): string {
  const text = STATUS_CODES[code];
  return text ? `the server responded with HTTP ${code} (${text})` : `the server responded with HTTP ${code}`;
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/**
 * Converts whatever the Kubernetes client threw into an {@link ApiError}: an ApiError is returned as is;
 * client-node's `ApiException` (HTTP code + body), watch errors (`statusCode`) and Status objects keep their
 * code and reason; network failures become status 0 / `ConnectionFailed`; anything else status 0 with an
 * empty reason. The original error is kept as `cause`.
 */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (isRecord(err)) {
    const code = typeof err["code"] === "number" ? err["code"] : undefined;
    const statusCode = typeof err["statusCode"] === "number" ? err["statusCode"] : undefined;
    // client-node ApiException: numeric `code` + `body`.
    if (code !== undefined && "body" in err) {
      return withCause(apiErrorFromResponse(code, err["body"]), err);
    }
    // A metav1.Status object itself (e.g. a watch ERROR event).
    if (err["kind"] === "Status" && typeof err["code"] === "number") {
      return withCause(apiErrorFromResponse(err["code"], err), err);
    }
    // Watch errors: `statusCode` + message.
    if (statusCode !== undefined) {
      const message = err instanceof Error && err.message ? err.message : httpMessage(statusCode);
      return new ApiError({ status: statusCode, reason: reasonForStatusCode(statusCode), message, cause: err });
    }
    const errno = typeof err["code"] === "string" ? err["code"] : undefined;
    const nestedCode =
      isRecord(err["cause"]) && typeof err["cause"]["code"] === "string" ? err["cause"]["code"] : undefined;
    if (
      (errno !== undefined && NETWORK_CODES.has(errno)) ||
      (nestedCode !== undefined && NETWORK_CODES.has(nestedCode)) ||
      err["type"] === "system" ||
      err["type"] === "request-timeout" ||
      err["type"] === "body-timeout"
    ) {
      const message = err instanceof Error ? err.message : String(err["message"] ?? "connection failed");
      return new ApiError({ status: 0, reason: StatusReason.ConnectionFailed, message, cause: err });
    }
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ApiError({ status: 0, reason: StatusReason.Unknown, message, cause: err });
}

function withCause(apiError: ApiError, cause: unknown): ApiError {
  return new ApiError({
    status: apiError.status,
    reason: apiError.reason,
    message: apiError.message,
    ...(apiError.details ? { details: apiError.details } : {}),
    cause,
  });
}

function reasonOf(err: unknown): { status: number; reason: string } | undefined {
  if (err === undefined || err === null) return undefined;
  const apiError = toApiError(err);
  return { status: apiError.status, reason: apiError.reason };
}

function hasReason(err: unknown, reason: StatusReasonName, code: number): boolean {
  const r = reasonOf(err);
  if (!r) return false;
  if (r.reason === reason) return true;
  return r.reason === StatusReason.Unknown && r.status === code;
}

/** True when the error is a 404 / `NotFound` (the object or its kind does not exist). */
export function isNotFound(err: unknown): boolean {
  return hasReason(err, StatusReason.NotFound, 404);
}
/** True when the error is a 409 `Conflict` (stale resourceVersion or a field-manager conflict). */
export function isConflict(err: unknown): boolean {
  return hasReason(err, StatusReason.Conflict, 409);
}
/** True when a create failed because the object exists (`AlreadyExists`, HTTP 409). */
export function isAlreadyExists(err: unknown): boolean {
  return toApiErrorReason(err) === StatusReason.AlreadyExists;
}
/** True when the object failed validation (`Invalid`, HTTP 422). */
export function isInvalid(err: unknown): boolean {
  return hasReason(err, StatusReason.Invalid, 422);
}
/** True when the request was malformed (`BadRequest`, HTTP 400). */
export function isBadRequest(err: unknown): boolean {
  return hasReason(err, StatusReason.BadRequest, 400);
}
/** True when the caller may not do this (`Forbidden`, HTTP 403). */
export function isForbidden(err: unknown): boolean {
  return hasReason(err, StatusReason.Forbidden, 403);
}
/** True when the caller's credentials were refused (`Unauthorized`, HTTP 401). */
export function isUnauthorized(err: unknown): boolean {
  return hasReason(err, StatusReason.Unauthorized, 401);
}
/** True when the requested resourceVersion is too old (`Gone`/`Expired`, HTTP 410): re-list. */
export function isGone(err: unknown): boolean {
  return hasReason(err, StatusReason.Gone, 410) || toApiErrorReason(err) === StatusReason.Expired;
}
/** True when the server throttled the request (`TooManyRequests`, HTTP 429). */
export function isTooManyRequests(err: unknown): boolean {
  return hasReason(err, StatusReason.TooManyRequests, 429);
}
/** True when the server timed out (`ServerTimeout`, `Timeout`, HTTP 504). */
export function isTimeout(err: unknown): boolean {
  const reason = toApiErrorReason(err);
  return reason === StatusReason.ServerTimeout || reason === StatusReason.Timeout;
}
/** True when the request never got an HTTP answer. */
export function isConnectionFailure(err: unknown): boolean {
  return toApiErrorReason(err) === StatusReason.ConnectionFailed;
}

function toApiErrorReason(err: unknown): string | undefined {
  return reasonOf(err)?.reason;
}
