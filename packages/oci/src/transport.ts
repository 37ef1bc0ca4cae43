// One HTTP(S) exchange with a registry over node:http/https: TLS from a CA and client certificate, a
// request body from bytes, redirects followed (credentials dropped when the host changes), and the
// response handed back as a stream.

import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { rootCertificates } from "node:tls";
import { errorMessage } from "@sluice/runtime/errors";
import { OciTransportError } from "./errors.js";
import { type ProxyOptions, tunnelThroughProxy, viaProxyAbsolute } from "./proxy.js";

/** TLS settings of a registry connection (`certSecretRef`: `ca.crt`, `tls.crt`, `tls.key`). */
export interface OciTlsOptions {
  /** PEM CA bundle trusted in addition to the system roots. */
  ca?: string | Buffer | undefined;
  /** PEM client certificate. */
  cert?: string | Buffer | undefined;
  /** PEM client key. */
  key?: string | Buffer | undefined;
  /** Skip server certificate verification (never the default). */
  insecureSkipVerify?: boolean | undefined;
}

/** A request to send. */
export interface TransportRequest {
  method: "GET" | "HEAD" | "PUT" | "POST" | "PATCH" | "DELETE";
  url: URL;
  headers?: Record<string, string> | undefined;
  body?: Buffer | undefined;
  tls?: OciTlsOptions | undefined;
  signal?: AbortSignal | undefined;
  /** Follow redirects (GET/HEAD only; default true). */
  followRedirects?: boolean | undefined;
  /** Send through this HTTP proxy. */
  proxy?: ProxyOptions | undefined;
}

/** A response; `body` must be consumed or destroyed by the caller. */
export interface TransportResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The URL that answered (after redirects). */
  url: URL;
  body: IncomingMessage;
}

const MAX_REDIRECTS = 10;

/** Sends `req`, following redirects for GET/HEAD; transport failures throw {@link OciTransportError}. */
export async function send(req: TransportRequest): Promise<TransportResponse> {
  let url = req.url;
  let headers = { ...(req.headers ?? {}) };
  const follow = req.followRedirects ?? (req.method === "GET" || req.method === "HEAD");
  for (let hop = 0; ; hop++) {
    const res = await once({ ...req, url, headers });
    const location = res.headers.location;
    if (follow && location && [301, 302, 303, 307, 308].includes(res.statusCode ?? 0)) {
      res.resume();
      if (hop >= MAX_REDIRECTS) throw new OciTransportError(`${req.method} ${req.url}: stopped after 10 redirects`);
      const next = new URL(location, url);
      if (next.host !== url.host || next.protocol !== url.protocol) {
        headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== "authorization"));
      }
      url = next;
      continue;
    }
    return { status: res.statusCode ?? 0, headers: res.headers, url, body: res };
  }
}

function once(req: TransportRequest & { headers: Record<string, string> }): Promise<IncomingMessage> {
  const https = req.url.protocol === "https:";
  const options: RequestOptions = {
    method: req.method,
    headers: { ...req.headers, ...(req.body ? { "Content-Length": String(req.body.length) } : {}) },
    ...(req.signal ? { signal: req.signal } : {}),
  };
  let target: URL | RequestOptions = req.url;
  if (https) {
    const tls = req.tls ?? {};
    if (tls.ca) options.ca = [...rootCertificates, tls.ca.toString()];
    if (tls.cert && tls.key) {
      options.cert = tls.cert;
      options.key = tls.key;
    }
    if (tls.insecureSkipVerify) options.rejectUnauthorized = false;
    if (req.proxy) {
      const tlsOptions = {
        ...(options.ca ? { ca: options.ca } : {}),
        ...(options.cert ? { cert: options.cert, key: options.key } : {}),
        ...(options.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
      };
      (options as { createConnection?: unknown }).createConnection = tunnelThroughProxy(
        req.url,
        req.proxy,
        tlsOptions,
        req.signal,
      );
    }
  } else if (req.proxy) {
    target = viaProxyAbsolute(req.url, req.proxy, options);
  }
  return new Promise((resolve, reject) => {
    const r =
      target instanceof URL
        ? (https ? httpsRequest : httpRequest)(target, options, resolve)
        : httpRequest(target, resolve);
    r.on("error", (err: unknown) =>
      reject(
        req.signal?.aborted
          ? new OciTransportError(`${req.method} ${req.url}: ${abortReason(req.signal)}`, { cause: err })
          : new OciTransportError(`${req.method} ${req.url}: ${errorMessage(err)}`, { cause: err }),
      ),
    );
    r.end(req.body);
  });
}

function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === "TimeoutError") return "context deadline exceeded";
  return reason instanceof Error ? reason.message : "aborted";
}

/** Reads a whole response body, refusing more than `limit` bytes. */
export async function readAll(body: IncomingMessage, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > limit) {
      body.destroy();
      throw new OciTransportError(`${what}: larger than ${limit} bytes`);
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}
