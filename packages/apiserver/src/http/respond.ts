import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseYaml } from "yaml";
import { ApiError, badRequest, internalError } from "../errors.js";
import { decodeKubernetesProtobuf, PROTOBUF_MEDIA_TYPE } from "../protobuf/decode.js";
import type { JsonValue } from "../util/json.js";

/** Largest request body accepted (kube-apiserver's limit is 3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** Writes a JSON response (a pre-serialized body is sent as is). */
export function sendJson(
  res: ServerResponse,
  code: number,
  body: JsonValue | string,
  warnings: string[] = [],
  contentType = "application/json",
  extraHeaders?: Record<string, string>,
): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const headers: Record<string, string | string[]> = {
    "Content-Type": contentType,
    "Cache-Control": "no-cache, private",
    "Content-Length": String(Buffer.byteLength(text)),
  };
  if (warnings.length > 0) headers["Warning"] = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  if (extraHeaders) Object.assign(headers, extraHeaders);
  res.writeHead(code, headers);
  res.end(text);
}

/** Writes an error as a Status body with its HTTP code. */
export function sendError(res: ServerResponse, err: unknown): void {
  const apiErr = err instanceof ApiError ? err : internalError(err);
  if (res.headersSent) {
    res.end();
    return;
  }
  const retry = apiErr.details?.retryAfterSeconds;
  const extra: Record<string, string> = {};
  // kube-apiserver sets Retry-After on 429 and 5xx answers that carry a retry delay.
  if (retry !== undefined && retry > 0 && (apiErr.code === 429 || apiErr.code >= 500))
    extra["Retry-After"] = String(retry);
  if (apiErr.code === 413) extra["Connection"] = "close";
  sendJson(res, apiErr.code, apiErr.toStatus(), [], "application/json", extra);
}

/** How much of an oversized body is read (and discarded) so the 413 reaches the client instead of a reset. */
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

/** 413 as kube-apiserver's limitedReadBody answers it. */
export function requestEntityTooLarge(limit = MAX_BODY_BYTES): ApiError {
  return new ApiError(413, "RequestEntityTooLarge", `Request entity too large: limit is ${limit}`);
}

/**
 * Reads a request body. Over the limit it keeps reading and discarding the rest (up to 64 MiB, then it gives up
 * on the connection) and rejects with 413, so the client, still sending, gets the Status instead of a reset.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? "0");
    const chunks: Buffer[] = [];
    let size = 0;
    let over = declared > limit;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      if (over) {
        chunks.length = 0;
        if (size > MAX_DRAIN_BYTES) {
          reject(requestEntityTooLarge(limit));
          req.destroy();
        }
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => (over ? reject(requestEntityTooLarge(limit)) : resolve(Buffer.concat(chunks))));
    req.on("error", reject);
  });
}

/** Parses a create/update/delete body: JSON, YAML, or Kubernetes protobuf (as typed Go clients send). */
export function parseObjectBody(contentType: string | undefined, body: Buffer, what: string): JsonValue {
  const ct = (contentType ?? "application/json").split(";")[0]!.trim().toLowerCase();
  if (ct === PROTOBUF_MEDIA_TYPE) return decodeKubernetesProtobuf(body);
  const raw = body.toString("utf8");
  try {
    if (ct === "application/yaml" || ct === "application/x-yaml") return (parseYaml(raw) ?? null) as JsonValue;
    if (ct === "application/json" || ct === "" || ct === "*/*") return JSON.parse(raw) as JsonValue;
  } catch (err: unknown) {
    const msg = err instanceof Error ? err.message : String(err);
    throw badRequest(`${what} cannot be handled: ${msg}`);
  }
  throw new ApiError(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`,
  );
}
