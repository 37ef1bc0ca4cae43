// Conditional GET as Go's http.ServeContent answers it (what kube-openapi's handlers use): If-None-Match
// against the ETag first, else If-Modified-Since against Last-Modified (second precision), 304 without a body.

import type { IncomingMessage, ServerResponse } from "node:http";

function etagMatches(header: string, etag: string): boolean {
  const bare = (t: string) => t.trim().replace(/^W\//, "");
  return header.split(",").some((t) => t.trim() === "*" || bare(t) === etag);
}

function notModified(req: IncomingMessage, etag: string, lastModified: Date): boolean {
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  const inm = req.headers["if-none-match"];
  if (inm !== undefined) return etagMatches(inm, etag);
  const ims = req.headers["if-modified-since"];
  if (ims === undefined) return false;
  const since = Date.parse(ims);
  return !Number.isNaN(since) && Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
}

/**
 * Sends `body` with ETag (quoted) and Last-Modified, or 304 when the request's conditions say the client has it.
 * `headers` go on both (Cache-Control, Vary, Expires, …).
 */
export function sendContent(
  req: IncomingMessage,
  res: ServerResponse,
  body: string | Buffer,
  contentType: string,
  etag: string,
  lastModified: Date,
  headers: Record<string, string>,
): void {
  const quoted = JSON.stringify(etag);
  if (notModified(req, quoted, lastModified)) {
    res.writeHead(304, { "Cache-Control": "no-cache, private", ...headers, Etag: quoted });
    res.end();
    return;
  }
  res.writeHead(200, {
    "Cache-Control": "no-cache, private",
    ...headers,
    "Content-Type": contentType,
    Etag: quoted,
    "Last-Modified": lastModified.toUTCString(),
    "Content-Length": String(Buffer.byteLength(body)),
  });
  res.end(req.method === "HEAD" ? undefined : body);
}
