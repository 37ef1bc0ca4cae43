// HTTP(S) to the API server with a kubeconfig's auth and TLS, over shared keep-alive connections.

import { AsyncLocalStorage } from "node:async_hooks";
import { createHash } from "node:crypto";
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { KubeConfigLike, KubeRequestOptions } from "./kube-config.js";

/** Receives each API request's outcome: HTTP status (`<error>` without a response), method, `host:port`. */
export type RestRequestListener = (code: number | string, method: string, host: string) => void;

const restObserver = new AsyncLocalStorage<RestRequestListener>();

/**
 * Runs `fn` with `listener` observing every request an {@link HttpTransport} sends from within it (its
 * async continuations included: informers, workers, timers it starts). A controller manager runs in one,
 * so each counts its own `rest_client_requests_total` when several share a process (`sluice up`), as each
 * Flux controller's process counts its own.
 */
export function withRestRequestObserver<T>(listener: RestRequestListener, fn: () => T): T {
  return restObserver.run(listener, fn);
}

/** One request: path below the server URL, query, body text. */
export interface TransportRequest {
  method: string;
  path: string;
  query?: Record<string, string | number | boolean | undefined> | undefined;
  body?: string | undefined;
  contentType?: string | undefined;
  signal?: AbortSignal | undefined;
}

const TLS_FIELDS = ["ca", "cert", "key", "rejectUnauthorized", "servername"] as const;

/**
 * Sends requests to the current cluster of a kubeconfig ({@link KubeConfigLike}: ours or client-node's),
 * asking it for TLS material and auth headers on every request (tokens rotate) and reusing one keep-alive
 * Agent per distinct TLS setting.
 */
export class HttpTransport {
  private readonly agents = new Map<string, HttpAgent>();

  /** `userAgent` is sent as the User-Agent header (the API server's request metrics name the client by it). */
  constructor(
    private readonly kubeConfig: KubeConfigLike,
    private readonly userAgent?: string,
  ) {}

  /** Sends a request and resolves to the response stream (any status); the caller consumes it. */
  async open(req: TransportRequest): Promise<IncomingMessage> {
    const cluster = this.kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error("kubeconfig has no current cluster");
    if (cluster.proxyUrl) throw new Error(`kubeconfig cluster ${cluster.name}: proxy-url is not supported`);
    const url = new URL(cluster.server + req.path);
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const opts: KubeRequestOptions = { headers: {} };
    await this.kubeConfig.applyToHTTPSOptions(opts);
    const headers: Record<string, string | string[]> = { Accept: "application/json" };
    if (this.userAgent) headers["User-Agent"] = this.userAgent;
    for (const [k, v] of Object.entries(opts.headers ?? {})) {
      // A list goes out as one header line per value: kube-apiserver reads `Impersonate-Group` (and
      // `Impersonate-Extra-*`) that way and never splits a value on commas.
      if (v !== undefined) headers[k] = Array.isArray(v) ? v : String(v);
    }
    if (opts.auth && !headers["Authorization"]) {
      headers["Authorization"] = `Basic ${Buffer.from(opts.auth).toString("base64")}`;
    }
    if (req.body !== undefined) {
      headers["Content-Type"] = req.contentType ?? "application/json";
      headers["Content-Length"] = String(Buffer.byteLength(req.body));
    }
    const secure = url.protocol === "https:";
    const agent = this.agentFor(secure, opts);
    const send = secure ? httpsRequest : httpRequest;
    // Taken here, in the caller's context: response callbacks may run in a pooled socket's.
    const observe = restObserver.getStore();
    return new Promise<IncomingMessage>((resolve, reject) => {
      const request = send(url, { method: req.method, headers, agent, signal: req.signal }, (res) => {
        observe?.(res.statusCode ?? 0, req.method, url.host);
        resolve(res);
      });
      request.on("error", (err) => {
        observe?.("<error>", req.method, url.host);
        reject(err);
      });
      request.end(req.body);
    });
  }

  /**
   * Sends a request and reads the whole response. A pooled keep-alive socket the server already closed fails
   * at once ("socket hang up"); like Go's transport, the request is sent again once on a fresh connection
   * (POST is not repeated: it might have been applied).
   */
  async send(req: TransportRequest): Promise<{ status: number; text: string }> {
    let response: IncomingMessage;
    try {
      response = await this.open(req);
    } catch (err: unknown) {
      if (!isStaleConnectionError(err) || req.method === "POST") throw err;
      response = await this.open(req);
    }
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    return { status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") };
  }

  /** Closes pooled connections. */
  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  private agentFor(secure: boolean, opts: KubeRequestOptions): HttpAgent {
    const tls = opts as Record<string, unknown>;
    const key = createHash("sha256")
      .update(secure ? "https" : "http")
      .update(JSON.stringify(TLS_FIELDS.map((f) => serializable(tls[f]))))
      .digest("hex");
    let agent = this.agents.get(key);
    if (!agent) {
      agent = secure
        ? new HttpsAgent({ ...Object.fromEntries(TLS_FIELDS.map((f) => [f, tls[f]])), keepAlive: true })
        : new HttpAgent({ keepAlive: true });
      this.agents.set(key, agent);
    }
    return agent;
  }
}

function serializable(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString("base64");
  if (Array.isArray(value)) return value.map(serializable);
  return value ?? null;
}

/** True for the error a request gets when it was written to a keep-alive socket the server had closed. */
export function isStaleConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as Error & { code?: unknown }).code;
  return code === "ECONNRESET" || code === "EPIPE" || /socket hang up/.test(err.message);
}
