// The S3 API client of the `generic` Bucket provider, as Flux's `internal/bucket/minio` over minio-go: npm's
// `minio` (the MinIO JavaScript SDK) with our own agent for TLS (`certSecretRef`) and the proxy
// (`proxySecretRef`, a CONNECT tunnel through https-proxy-agent). minio has no cancellation, so a deadline
// or an abort destroys the agent's sockets, failing the requests in flight. Both libraries are loaded on the
// first Bucket only (minio alone costs ~40 MB and noticeable start time in every process that never needs it).

import { createWriteStream } from "node:fs";
import { type ClientRequest, Agent as HttpAgent } from "node:http";
import { type AgentOptions, Agent as HttpsAgent } from "node:https";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { rootCertificates } from "node:tls";
import type { OciTlsOptions, ProxyOptions } from "@sluice/oci";
import type { HttpsProxyAgent } from "https-proxy-agent";
import type { Client } from "minio";

/** How to reach the bucket's endpoint. */
export interface S3ClientOptions {
  /** `spec.endpoint`: `host[:port]`, no scheme. */
  endpoint: string;
  /** `spec.insecure`: plain HTTP. */
  insecure: boolean;
  /** `spec.region` (asked from the endpoint when empty, as minio-go does). */
  region?: string | undefined;
  /** Static keys (`secretRef` accesskey/secretkey); anonymous requests without. */
  credentials?: { accessKey: string; secretKey: string } | undefined;
  /** `certSecretRef` material (only used over HTTPS, as Flux). */
  tls?: OciTlsOptions | undefined;
  /** `proxySecretRef`. */
  proxy?: ProxyOptions | undefined;
}

/** Thrown for an endpoint the S3 client can't use (a scheme or path in it, a bad port). */
export class EndpointError extends Error {
  override readonly name = "EndpointError";
}

/** Splits `host[:port]` (IPv6 in brackets) as minio-go's endpoint parsing; a scheme or path is refused. */
export function parseEndpoint(endpoint: string, insecure: boolean): { host: string; port: number } {
  if (endpoint === "") throw new EndpointError("Endpoint:  does not follow ip address or domain name standards.");
  if (endpoint.includes("/")) throw new EndpointError("Endpoint url cannot have fully qualified paths.");
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(endpoint);
  if (!match) throw new EndpointError(`Endpoint: ${endpoint} does not follow ip address or domain name standards.`);
  const host = (match[1] ?? "").replace(/^\[|\]$/g, "");
  const port = match[2] === undefined ? (insecure ? 80 : 443) : Number(match[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new EndpointError(`invalid port in endpoint '${endpoint}'`);
  return { host, port };
}

type ConnectOpts = Parameters<HttpsProxyAgent<string>["connect"]>[1];

/**
 * An https-proxy-agent CONNECT tunnel whose TLS to the endpoint uses `certSecretRef`'s material (the library
 * applies its constructor options to the proxy connection only).
 */
async function tunnelAgent(proxy: URL, endpointTls: AgentOptions): Promise<HttpAgent> {
  const { HttpsProxyAgent } = await import("https-proxy-agent");
  class TunnelAgent extends HttpsProxyAgent<string> {
    override connect(req: ClientRequest, opts: ConnectOpts): ReturnType<HttpsProxyAgent<string>["connect"]> {
      return super.connect(req, { ...opts, ...endpointTls } as ConnectOpts);
    }
  }
  return new TunnelAgent(proxy);
}

/** A connection to one S3 endpoint; {@link close} it when done. */
export class S3BucketClient {
  readonly #client: Client;
  readonly #agent: HttpAgent;
  /** Why the connections were cut (deadline, cancellation), once they were. */
  #stopped: string | undefined;

  private constructor(client: Client, agent: HttpAgent) {
    this.#client = client;
    this.#agent = agent;
  }

  /** A client for `options`; throws {@link EndpointError} for an endpoint it can't use. */
  static async connect(options: S3ClientOptions): Promise<S3BucketClient> {
    const { host, port } = parseEndpoint(options.endpoint, options.insecure);
    const secure = !options.insecure;
    const tls: AgentOptions = {};
    if (secure && options.tls) {
      if (options.tls.ca) tls.ca = [...rootCertificates, options.tls.ca.toString()];
      if (options.tls.cert) tls.cert = options.tls.cert;
      if (options.tls.key) tls.key = options.tls.key;
    }
    let agent: HttpAgent;
    if (options.proxy) {
      const url = new URL(options.proxy.url.toString());
      if (options.proxy.username !== undefined) url.username = encodeURIComponent(options.proxy.username);
      if (options.proxy.password !== undefined) url.password = encodeURIComponent(options.proxy.password);
      agent = await tunnelAgent(url, tls);
    } else {
      agent = secure ? new HttpsAgent(tls) : new HttpAgent();
    }
    const { Client } = await import("minio");
    const client = new Client({
      endPoint: host,
      port,
      useSSL: secure,
      ...(options.region ? { region: options.region } : {}),
      ...(options.credentials ?? {}),
      transportAgent: agent,
      retryOptions: { disableRetry: true },
    });
    return new S3BucketClient(client, agent);
  }

  /** Whether the bucket exists. */
  bucketExists(bucket: string): Promise<boolean> {
    return this.#client.bucketExists(bucket);
  }

  /** Downloads `key` to `path`; resolves with its ETag (no quotes), or undefined when there is no such key. */
  async fetchObject(bucket: string, key: string, path: string): Promise<string | undefined> {
    let body: Readable;
    try {
      body = await this.#client.getObject(bucket, key);
    } catch (err: unknown) {
      if (isNoSuchKey(err)) return undefined;
      throw err;
    }
    const etag = String((body as Readable & { headers?: Record<string, unknown> }).headers?.etag ?? "");
    await pipeline(body, createWriteStream(path, { mode: 0o600 }));
    return etag.replace(/^"|"$/g, "");
  }

  /** Calls `visit` with the key and ETag of every object under `prefix`, recursively (ListObjectsV2). */
  async visitObjects(bucket: string, prefix: string, visit: (key: string, etag: string) => void): Promise<void> {
    const stream = this.#client.listObjectsV2(bucket, prefix, true);
    for await (const item of stream as AsyncIterable<{ name?: string; prefix?: string; etag?: string }>) {
      if (item.name !== undefined) visit(item.name, item.etag ?? "");
    }
  }

  /**
   * Runs `work` with a deadline of `ms` and `signal`: on either, the agent's sockets are destroyed so the
   * requests in flight fail, and {@link describe} words their errors as Go's context does.
   */
  async withDeadline<T>(ms: number, signal: AbortSignal, work: () => Promise<T>): Promise<T> {
    const expire = (why: string) => {
      this.#stopped ??= why;
      this.#agent.destroy();
    };
    const timer = setTimeout(() => expire("context deadline exceeded"), ms);
    const onAbort = () => expire("context canceled");
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      return await work();
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    }
  }

  /** The text of a failed operation's cause: the deadline or cancellation when that ended it (Go's words). */
  describe(err: unknown): string {
    return this.#stopped ?? (err instanceof Error ? err.message : String(err));
  }

  /** Closes the connections. */
  close(): void {
    this.#agent.destroy();
  }
}

/** Whether `err` is S3's NoSuchKey (minio-go's ObjectIsNotFound): minio's S3Error carries the S3 code. */
export function isNoSuchKey(err: unknown): boolean {
  return err instanceof Error && (err as Error & { code?: unknown }).code === "NoSuchKey";
}
