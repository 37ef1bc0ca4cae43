import { ApiException } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  ApiError,
  apiErrorFromResponse,
  isAlreadyExists,
  isConflict,
  isConnectionFailure,
  isForbidden,
  isGone,
  isInvalid,
  isNotFound,
  isTimeout,
  isTooManyRequests,
  StatusReason,
  toApiError,
} from "./api-error.js";

const notFoundStatus = {
  kind: "Status",
  apiVersion: "v1",
  status: "Failure",
  message: 'gitrepositories.source.toolkit.fluxcd.io "podinfo" not found',
  reason: "NotFound",
  details: { name: "podinfo", group: "source.toolkit.fluxcd.io", kind: "gitrepositories" },
  code: 404,
};

describe("toApiError", () => {
  it.each([
    {
      name: "client-node ApiException with a Status body as text",
      err: new ApiException(404, "Unsuccessful HTTP Request", JSON.stringify(notFoundStatus), {}),
      status: 404,
      reason: "NotFound",
      message: notFoundStatus.message,
    },
    {
      name: "ApiException with a parsed Status body",
      err: new ApiException(409, "x", { ...notFoundStatus, code: 409, reason: "AlreadyExists", message: "exists" }, {}),
      status: 409,
      reason: "AlreadyExists",
      message: "exists",
    },
    {
      name: "ApiException without a reason derives it from the code",
      err: new ApiException(422, "x", "", {}),
      status: 422,
      reason: "Invalid",
      message: "the server responded with HTTP 422 (Unprocessable Entity)",
    },
    {
      name: "ApiException with a plain text body keeps the text",
      err: new ApiException(503, "x", "upstream unavailable", {}),
      status: 503,
      reason: "ServiceUnavailable",
      message: "upstream unavailable",
    },
    {
      name: "watch error with statusCode",
      err: Object.assign(new Error("Gone"), { statusCode: 410 }),
      status: 410,
      reason: "Gone",
      message: "Gone",
    },
    {
      name: "a Status object from a watch ERROR event",
      err: { kind: "Status", code: 410, reason: "Expired", message: "too old resource version" },
      status: 410,
      reason: "Expired",
      message: "too old resource version",
    },
    {
      name: "connection refused",
      err: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
      status: 0,
      reason: "ConnectionFailed",
      message: "connect ECONNREFUSED 127.0.0.1:1",
    },
    {
      name: "node-fetch system error",
      err: Object.assign(new Error("request failed"), { type: "system", errno: "ECONNRESET" }),
      status: 0,
      reason: "ConnectionFailed",
      message: "request failed",
    },
    {
      name: "anything else",
      err: new Error("boom"),
      status: 0,
      reason: "",
      message: "boom",
    },
  ])("converts $name", ({ err, status, reason, message }) => {
    const apiError = toApiError(err);
    expect(apiError).toBeInstanceOf(ApiError);
    expect(apiError).toBeInstanceOf(Error);
    expect(apiError.status).toBe(status);
    expect(apiError.reason).toBe(reason);
    expect(apiError.message).toBe(message);
    expect(apiError.cause).toBe(err);
  });

  it("keeps Status details", () => {
    const apiError = apiErrorFromResponse(404, JSON.stringify(notFoundStatus));
    expect(apiError.details).toEqual(notFoundStatus.details);
  });

  it("returns an ApiError unchanged", () => {
    const apiError = new ApiError({ status: 409, reason: "Conflict", message: "stale" });
    expect(toApiError(apiError)).toBe(apiError);
  });
});

describe("predicates", () => {
  const cases: Array<{ status: number; reason: string; match: Array<(err: unknown) => boolean> }> = [
    { status: 404, reason: StatusReason.NotFound, match: [isNotFound] },
    { status: 404, reason: "", match: [isNotFound] },
    { status: 409, reason: StatusReason.Conflict, match: [isConflict] },
    { status: 409, reason: StatusReason.AlreadyExists, match: [isAlreadyExists] },
    { status: 422, reason: StatusReason.Invalid, match: [isInvalid] },
    { status: 403, reason: StatusReason.Forbidden, match: [isForbidden] },
    { status: 410, reason: StatusReason.Expired, match: [isGone] },
    { status: 410, reason: StatusReason.Gone, match: [isGone] },
    { status: 429, reason: StatusReason.TooManyRequests, match: [isTooManyRequests] },
    { status: 504, reason: StatusReason.Timeout, match: [isTimeout] },
    { status: 0, reason: StatusReason.ConnectionFailed, match: [isConnectionFailure] },
  ];
  const all = [
    isNotFound,
    isConflict,
    isAlreadyExists,
    isInvalid,
    isForbidden,
    isGone,
    isTooManyRequests,
    isTimeout,
    isConnectionFailure,
  ];
  it.each(cases)("status $status reason '$reason' matches only its predicate", ({ status, reason, match }) => {
    const err = new ApiError({ status, reason, message: "x" });
    for (const predicate of all) expect(predicate(err), predicate.name).toBe(match.includes(predicate));
  });

  it("answers for raw client errors too", () => {
    expect(isNotFound(new ApiException(404, "x", JSON.stringify(notFoundStatus), {}))).toBe(true);
    expect(isNotFound(new Error("nope"))).toBe(false);
    expect(isNotFound(undefined)).toBe(false);
  });
});
