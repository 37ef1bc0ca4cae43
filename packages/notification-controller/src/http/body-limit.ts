// Limits shared by the event and webhook servers (Flux's internal/server/limits.go): request bodies up to
// 3 MiB (413 beyond), headers up to 256 KiB, 10 s to send headers and 30 s for the whole request.

import type { IncomingMessage, ServerOptions } from "node:http";

/** Largest request body accepted (bytes). */
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;
/** Largest request header block accepted (bytes). */
export const MAX_HEADER_BYTES = 256 * 1024;

/** node:http server options with Flux's header size and timeouts. */
export const SERVER_LIMITS: ServerOptions = {
  maxHeaderSize: MAX_HEADER_BYTES,
  headersTimeout: 10_000,
  requestTimeout: 30_000,
};

/** The request body was larger than {@link MAX_REQUEST_BODY_BYTES}. */
export class BodyTooLargeError extends Error {
  constructor(limit: number) {
    super(`request body exceeds the maximum size of ${limit} bytes`);
    this.name = "BodyTooLargeError";
  }
}

/**
 * Reads a request body up to `limit` bytes; rejects with {@link BodyTooLargeError} as soon as more
 * arrives (a declared Content-Length over the limit is refused before reading). The rest of an oversized
 * body is drained, not destroyed, so the 413 answer still reaches the caller (also for chunked bodies).
 */
export function readBody(req: IncomingMessage, limit = MAX_REQUEST_BODY_BYTES): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(new BodyTooLargeError(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off("data", onData);
      req.off("end", onEnd);
      req.resume();
      reject(new BodyTooLargeError(limit));
    };
    const onEnd = () => resolve(Buffer.concat(chunks, size));
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("error", reject);
  });
}
