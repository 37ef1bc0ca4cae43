// Downloading a chart repository's index.yaml as Helm's HTTP getter does: redirects followed, basic auth
// sent only to the repository's own scheme and host unless passCredentials, TLS from a CA and client
// certificate, a timeout and Helm's maximum index size.

import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { rootCertificates } from "node:tls";
import { MAX_INDEX_SIZE } from "./index-file.js";

/** Credentials and transport settings of an index fetch. */
export interface IndexFetchOptions {
  /** Basic auth (`secretRef` username/password). */
  basicAuth?: { username: string; password: string } | undefined;
  /** Send basic auth to every host a redirect leads to (`spec.passCredentials`). */
  passCredentials?: boolean | undefined;
  /** PEM CA added to the system roots (`ca.crt`). */
  caCert?: string | undefined;
  /** PEM client certificate and key (`tls.crt`, `tls.key`). */
  clientCert?: { cert: string; key: string } | undefined;
  /** Whole-request timeout in milliseconds. */
  timeoutMs: number;
  /** Largest accepted index (default Helm's 50 MiB). */
  maxSize?: number | undefined;
  /** Aborts the fetch. */
  signal?: AbortSignal | undefined;
}

/** An HTTP or transport failure of an index fetch; the message never holds credentials. */
export class IndexFetchError extends Error {
  override readonly name = "IndexFetchError";
}

const MAX_REDIRECTS = 10;

/** `<repository URL>/index.yaml`, joined as Flux does (path.Join: duplicate slashes collapsed). */
export function indexUrl(repositoryUrl: string): URL {
  const u = new URL(repositoryUrl);
  const joined = `${u.pathname.replace(/\/+$/, "")}/index.yaml`.replace(/\/{2,}/g, "/");
  u.pathname = joined;
  return u;
}

/** The URL without user info, for messages. */
export function redactUrl(url: URL | string): string {
  const u = new URL(url.toString());
  u.username = "";
  u.password = "";
  return u.toString();
}

/**
 * GETs `url`, following up to 10 redirects, and returns the body. A non-2xx answer throws
 * {@link IndexFetchError} `failed to fetch <url> : <status>` (Helm's wording); so do a body above the size
 * limit, a timeout and transport errors.
 */
export async function fetchIndex(url: URL, options: IndexFetchOptions): Promise<Buffer> {
  const origin = new URL(url.toString());
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let current = new URL(url.toString());
  for (let hop = 0; ; hop++) {
    const res = await get(current, origin, options, signal);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (status >= 300 && status < 400 && location) {
      res.resume();
      if (hop >= MAX_REDIRECTS)
        throw new IndexFetchError(`failed to fetch ${redactUrl(url)} : stopped after 10 redirects`);
      current = new URL(location, current);
      continue;
    }
    if (status < 200 || status > 299) {
      res.resume();
      throw new IndexFetchError(
        `failed to fetch ${redactUrl(current)} : ${status} ${res.statusMessage ?? ""}`.trimEnd(),
      );
    }
    return readBody(res, options.maxSize ?? MAX_INDEX_SIZE, signal);
  }
}

function get(url: URL, origin: URL, options: IndexFetchOptions, signal: AbortSignal): Promise<IncomingMessage> {
  const headers: Record<string, string> = { "User-Agent": "Helm/4 (sluice source-controller)" };
  const credentials = options.basicAuth ?? userInfo(origin);
  const sameHost = url.protocol === origin.protocol && url.host === origin.host;
  if (credentials && (options.passCredentials || sameHost)) {
    headers["Authorization"] =
      `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
  }
  const target = new URL(url.toString());
  target.username = "";
  target.password = "";
  const base: RequestOptions = { method: "GET", headers, signal };
  let send: typeof httpRequest;
  if (url.protocol === "https:") {
    send = httpsRequest as typeof httpRequest;
    if (options.caCert) base.ca = [...rootCertificates, options.caCert];
    if (options.clientCert) {
      base.cert = options.clientCert.cert;
      base.key = options.clientCert.key;
    }
  } else if (url.protocol === "http:") {
    send = httpRequest;
  } else {
    return Promise.reject(new IndexFetchError(`unsupported protocol scheme "${url.protocol.replace(/:$/, "")}"`));
  }
  return new Promise((resolve, reject) => {
    const req = send(target, base, resolve);
    req.on("error", (err: Error) => reject(transportError(url, err, signal)));
    req.end();
  });
}

function transportError(url: URL, err: Error, signal: AbortSignal): IndexFetchError {
  const cause = signal.aborted ? "context deadline exceeded (timeout or cancelled)" : err.message;
  return new IndexFetchError(`Get "${redactUrl(url)}": ${cause}`);
}

function userInfo(url: URL): { username: string; password: string } | undefined {
  if (!url.username && !url.password) return undefined;
  return { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
}

function readBody(res: IncomingMessage, maxSize: number, signal: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onAbort = () => {
      res.destroy();
      reject(new IndexFetchError("failed to read index: context deadline exceeded (timeout or cancelled)"));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    res.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxSize) {
        res.destroy();
        reject(new IndexFetchError(`index exceeds the maximum index file size of ${maxSize} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    res.on("error", (err: Error) => reject(new IndexFetchError(`failed to read index: ${err.message}`)));
    res.on("end", () => {
      signal.removeEventListener("abort", onAbort);
      resolve(Buffer.concat(chunks));
    });
  });
}
