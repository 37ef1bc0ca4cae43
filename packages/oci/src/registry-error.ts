// Turning a registry's error answer into an OciRegistryError worded as go-containerregistry does.

import { OciRegistryError } from "./errors.js";
import { readAll, type TransportResponse } from "./transport.js";

const MAX_ERROR_BODY = 64 * 1024;

/**
 * Turns a non-success answer into {@link OciRegistryError} worded as go-containerregistry does:
 * `GET <url>: CODE: message; CODE2: message2`, or `unexpected status code 404 Not Found` without a body.
 */
export async function registryError(method: string, res: TransportResponse): Promise<OciRegistryError> {
  const status = res.status;
  const statusText = `${status} ${res.body.statusMessage ?? ""}`.trim();
  let body: Buffer = Buffer.alloc(0);
  if (method !== "HEAD") body = await readAll(res.body, MAX_ERROR_BODY, `${method} ${res.url}`).catch(() => body);
  else res.body.resume();
  const codes: string[] = [];
  const parts: string[] = [];
  try {
    const parsed = JSON.parse(body.toString("utf8")) as {
      errors?: { code?: string; message?: string }[];
      details?: string;
    };
    for (const e of parsed.errors ?? []) {
      if (e.code) codes.push(e.code);
      parts.push([e.code, e.message].filter(Boolean).join(": "));
    }
  } catch {
    /* not a registry error document */
  }
  const url = new URL(res.url.toString());
  url.username = "";
  url.password = "";
  const detail =
    parts.length > 0
      ? parts.join("; ")
      : method === "HEAD"
        ? `unexpected status code ${statusText} (HEAD responses have no body, use GET for details)`
        : `unexpected status code ${statusText}${body.length > 0 ? `: ${body.toString("utf8").trim().slice(0, 200)}` : ""}`;
  return new OciRegistryError(`${method} ${url}: ${detail}`, status, codes);
}
