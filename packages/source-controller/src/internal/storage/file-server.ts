// The artifact file server: serves the storage directory at `/` on `--storage-addr`, read-only.
// GET and HEAD with Content-Length, ETag, Last-Modified, conditional requests and single byte ranges;
// 404 for anything that isn't a regular file inside the root (no directory listing, no `..`, no encoded
// separators, no symlink leading outside the root).

import { createReadStream } from "node:fs";
import { type FileHandle, open, realpath } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, relative, sep } from "node:path";
import { parseListenAddress } from "./advertised-address.js";

/** Options of {@link ArtifactFileServer}. */
export interface ArtifactFileServerOptions {
  /** The storage directory served at `/`. */
  root: string;
  /** Called for unexpected errors while serving (never with secrets: paths only). */
  onError?: (err: unknown, path: string) => void;
}

/** A byte range `[start, end]` (inclusive). */
interface ByteRange {
  start: number;
  end: number;
}

const CONTENT_TYPES: Record<string, string> = {
  ".gz": "application/gzip",
  ".tgz": "application/gzip",
  ".yaml": "application/yaml",
  ".yml": "application/yaml",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
};

/**
 * Serves artifacts from the storage root over HTTP. Start it with {@link listen} (port 0 picks a free
 * port) and stop it with {@link close}; {@link handle} can also be mounted on another server.
 */
export class ArtifactFileServer {
  readonly #root: string;
  readonly #onError: ((err: unknown, path: string) => void) | undefined;
  #realRoot: string | undefined;
  #server: Server | undefined;

  constructor(options: ArtifactFileServerOptions) {
    this.#root = options.root;
    this.#onError = options.onError;
  }

  /** Listens on a Go-style address (`:9090`, `127.0.0.1:0`); resolves with the bound address. */
  async listen(address: string): Promise<AddressInfo> {
    const { host, port } = parseListenAddress(address);
    const server = createServer((req, res) => {
      void this.handle(req, res);
    });
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: host === "" ? undefined : host, port }, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.#server = server;
    return server.address() as AddressInfo;
  }

  /** Stops listening and closes open connections. */
  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** Handles one request (GET/HEAD of a file below the root). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    if (method !== "GET" && method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD", "Content-Type": "text/plain; charset=utf-8" });
      res.end("method not allowed\n");
      return;
    }
    const segments = requestSegments(req.url ?? "/");
    if (segments === null) return plain(res, 400, "invalid URL path");
    let handle: FileHandle | undefined;
    try {
      const file = await this.#resolve(segments);
      if (file === undefined) return plain(res, 404, "404 page not found");
      handle = await open(file, "r");
      const st = await handle.stat();
      if (!st.isFile()) return plain(res, 404, "404 page not found");
      const etag = `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}-${st.ino.toString(16)}"`;
      const lastModified = new Date(Math.floor(st.mtimeMs / 1000) * 1000);
      const headers: Record<string, string | number> = {
        "Accept-Ranges": "bytes",
        ETag: etag,
        "Last-Modified": lastModified.toUTCString(),
        "Content-Type": CONTENT_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream",
      };
      if (notModified(req, etag, lastModified)) {
        res.writeHead(304, { ETag: etag, "Last-Modified": headers["Last-Modified"] as string });
        res.end();
        return;
      }
      let range: ByteRange | "unsatisfiable" | undefined;
      const rangeHeader = req.headers.range;
      if (rangeHeader !== undefined && ifRangeMatches(req, etag, lastModified))
        range = parseRange(rangeHeader, st.size);
      if (range === "unsatisfiable") {
        res.writeHead(416, { "Content-Range": `bytes */${st.size}`, "Content-Type": "text/plain; charset=utf-8" });
        res.end("invalid range: failed to overlap\n");
        return;
      }
      const start = range?.start ?? 0;
      const end = range?.end ?? st.size - 1;
      headers["Content-Length"] = Math.max(0, end - start + 1);
      if (range) headers["Content-Range"] = `bytes ${start}-${end}/${st.size}`;
      res.writeHead(range ? 206 : 200, headers);
      if (method === "HEAD" || st.size === 0) {
        res.end();
        return;
      }
      const fh = handle;
      handle = undefined; // the stream owns it now
      const stream = createReadStream("", { fd: fh, start, end, autoClose: true });
      stream.on("error", (err) => {
        this.#onError?.(err, segments.join("/"));
        res.destroy(err);
      });
      res.on("close", () => stream.destroy());
      stream.pipe(res);
    } catch (err: unknown) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR" || code === "ELOOP" || code === "EISDIR") {
        return plain(res, 404, "404 page not found");
      }
      this.#onError?.(err, segments.join("/"));
      if (!res.headersSent) plain(res, 500, "internal server error");
      else res.destroy();
    } finally {
      await handle?.close();
    }
  }

  /** The real path of the requested file when it stays inside the (real) root, else undefined. */
  async #resolve(segments: readonly string[]): Promise<string | undefined> {
    if (segments.length === 0) return undefined;
    this.#realRoot ??= await realpath(this.#root);
    const real = await realpath(join(this.#realRoot, ...segments));
    const rel = relative(this.#realRoot, real);
    if (rel === "" || rel === ".." || rel.startsWith(`..${sep}`)) return undefined;
    return real;
  }
}

/**
 * The decoded path components of a request URL, or null when the path is malformed or tries to escape:
 * bad percent-encoding, a `..` component (also when encoded), an encoded `/` or `\`, or NUL.
 */
export function requestSegments(url: string): string[] | null {
  const q = url.search(/[?#]/);
  const path = q === -1 ? url : url.slice(0, q);
  if (!path.startsWith("/")) return null;
  const out: string[] = [];
  for (const raw of path.split("/")) {
    if (raw === "" || raw === ".") continue;
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (seg === ".." || seg.includes("/") || seg.includes("\\") || seg.includes("\0")) return null;
    if (seg === ".") continue;
    out.push(seg);
  }
  return out;
}

function plain(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" });
  res.end(`${message}\n`);
}

function etagMatches(header: string, etag: string): boolean {
  return header
    .split(",")
    .map((t) => t.trim().replace(/^W\//, ""))
    .some((t) => t === "*" || t === etag);
}

function notModified(req: IncomingMessage, etag: string, lastModified: Date): boolean {
  const inm = req.headers["if-none-match"];
  if (inm !== undefined) return etagMatches(inm, etag);
  const ims = req.headers["if-modified-since"];
  if (ims !== undefined) {
    const t = Date.parse(ims);
    return !Number.isNaN(t) && lastModified.getTime() <= t;
  }
  return false;
}

function ifRangeMatches(req: IncomingMessage, etag: string, lastModified: Date): boolean {
  const header = req.headers["if-range"];
  if (header === undefined) return true;
  const ir = Array.isArray(header) ? (header[0] ?? "") : header;
  if (ir.startsWith('"') || ir.startsWith("W/")) return ir === etag;
  const t = Date.parse(ir);
  return !Number.isNaN(t) && lastModified.getTime() === t;
}

/**
 * Parses a `Range` header for a file of `size` bytes. A single `bytes=` range is honoured; anything else
 * (other units, several ranges, syntax errors) is ignored and the whole file is sent, as RFC 9110 allows.
 */
export function parseRange(header: string, size: number): ByteRange | "unsatisfiable" | undefined {
  const m = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/.exec(header);
  if (!m) return undefined;
  const [, a = "", b = ""] = m;
  if (a === "" && b === "") return undefined;
  if (a === "") {
    const suffix = Number(b);
    if (suffix === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(a);
  const end = b === "" ? size - 1 : Math.min(Number(b), size - 1);
  if (b !== "" && Number(b) < start) return undefined;
  if (start >= size) return "unsatisfiable";
  return { start, end };
}
