// How providers send: one JSON (or raw) request through undici, with Flux's retry policy (go-retryablehttp:
// 4 retries, 2 s → 30 s backoff, on connection errors, 429 and 5xx except 501), the provider's timeout as
// the caller's abort signal, TLS from certSecretRef and an optional proxy. Connection pools are shared per
// (proxy, TLS) so a busy provider keeps its connections alive.

import { setTimeout as sleep } from "node:timers/promises";
import { Agent, type Dispatcher, ProxyAgent, request } from "undici";
import { NotifierError, type NotifierTls } from "./notifier.js";

/** Options of {@link postMessage}. */
export interface PostOptions {
  /** HTTP method (default POST). */
  method?: "POST" | "PUT" | "GET";
  /** Extra headers (set after Content-Type, so they may override it). */
  headers?: Record<string, string | undefined> | undefined;
  /** Content type of a raw `payload` (a string or bytes); JSON otherwise. */
  contentType?: string | undefined;
  tls?: NotifierTls | undefined;
  proxyUrl?: string | undefined;
  /** Decides whether a response is a success; default any 2xx. Throw to fail. */
  validate?: ((status: number, body: string) => void) | undefined;
  signal: AbortSignal;
  /** Retries after the first attempt (default 4). */
  retries?: number | undefined;
  /** First backoff (ms, default 2000), doubled per retry up to 30 s. */
  retryWaitMinMs?: number | undefined;
}

/** A completed exchange. */
export interface PostResult {
  status: number;
  body: string;
}

const dispatchers = new Map<string, Dispatcher>();

/** The shared connection pool for a proxy and TLS configuration. */
function dispatcherFor(proxyUrl: string | undefined, tls: NotifierTls | undefined): Dispatcher {
  const key = JSON.stringify([proxyUrl ?? "", tls?.ca ?? "", tls?.cert ?? "", tls?.key ?? ""]);
  let dispatcher = dispatchers.get(key);
  if (!dispatcher) {
    const connect = tls ? { ca: tls.ca, cert: tls.cert, key: tls.key } : undefined;
    dispatcher = proxyUrl
      ? new ProxyAgent({ uri: proxyUrl, ...(connect ? { requestTls: connect } : {}) })
      : new Agent({ keepAliveTimeout: 30_000, ...(connect ? { connect } : {}) });
    dispatchers.set(key, dispatcher);
  }
  return dispatcher;
}

/** Closes every shared connection pool (tests and shutdown). */
export async function closeDispatchers(): Promise<void> {
  const all = [...dispatchers.values()];
  dispatchers.clear();
  await Promise.all(all.map((d) => d.close().catch(() => undefined)));
}

/** The scheme and host of a URL, for messages (a webhook URL's path is often its secret). */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "<invalid URL>";
  }
}

function retryable(status: number): boolean {
  return status === 429 || (status >= 500 && status !== 501);
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === "TimeoutError")
    return new NotifierError("timed out", undefined, { cause: reason });
  return reason instanceof Error ? reason : new NotifierError("aborted");
}

/**
 * Sends `payload` to `url` (JSON-encoded unless `contentType` is given) and returns the response once
 * `validate` accepts it. Retries as go-retryablehttp does; throws {@link NotifierError} naming the origin,
 * the status and the service's answer (never the URL's path or query, which may hold a token).
 */
export async function postMessage(url: string, payload: unknown, options: PostOptions): Promise<PostResult> {
  const body =
    options.contentType === undefined
      ? JSON.stringify(payload)
      : typeof payload === "string" || payload instanceof Uint8Array
        ? payload
        : JSON.stringify(payload);
  const headers: Record<string, string> = { "content-type": options.contentType ?? "application/json" };
  for (const [k, v] of Object.entries(options.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
  const dispatcher = dispatcherFor(options.proxyUrl, options.tls);
  const retries = options.retries ?? 4;
  const waitMin = options.retryWaitMinMs ?? 2_000;
  const target = `${options.method ?? "POST"} ${originOf(url)}`;
  let last: NotifierError | undefined;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) {
      try {
        await sleep(Math.min(30_000, waitMin * 2 ** (attempt - 1)), undefined, { signal: options.signal });
      } catch {
        throw last ?? abortReason(options.signal);
      }
    }
    if (options.signal.aborted) throw last ?? abortReason(options.signal);
    let status: number;
    let text: string;
    try {
      const res = await request(url, {
        method: options.method ?? "POST",
        headers,
        ...(options.method === "GET" ? {} : { body }),
        dispatcher,
        signal: options.signal,
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err: unknown) {
      if (options.signal.aborted) throw new NotifierError(`${target}: ${abortReason(options.signal).message}`);
      const cause = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      last = new NotifierError(`${target} failed: ${cause}`, undefined, { cause: err });
      continue;
    }
    if (status >= 200 && status < 300) {
      if (options.validate) {
        try {
          options.validate(status, text);
        } catch (err: unknown) {
          throw new NotifierError(`${target}: ${err instanceof Error ? err.message : String(err)}`, status);
        }
      }
      return { status, body: text };
    }
    const failure = new NotifierError(
      `${target} failed with status code ${status}: ${text.slice(0, 512).trim()}`,
      status,
    );
    if (!retryable(status)) throw failure;
    last = failure;
  }
  throw last ?? new NotifierError(`${target} failed`);
}
