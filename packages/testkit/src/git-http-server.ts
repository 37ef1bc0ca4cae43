// A real Git smart-HTTP server for tests: node:http (or https) in front of `git http-backend` run as CGI,
// on 127.0.0.1 with a free port, with optional basic or bearer authentication. Every request is recorded
// (method, path, service and, for upload-pack POSTs, the protocol command) so tests can count operations.

import { execFileSync, spawn } from "node:child_process";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";

/** Authentication the server demands. */
export type GitServerAuth = { type: "basic"; username: string; password: string } | { type: "bearer"; token: string };

/** TLS material (PEM) for an HTTPS server; `ca` + `requestCert` demand client certificates signed by it. */
export interface GitServerTls {
  key: string;
  cert: string;
  ca?: string;
  requestCert?: boolean;
}

/** One request the server received. */
export interface RecordedRequest {
  method: string;
  path: string;
  /** `git-upload-pack` / `git-receive-pack` when the request is for a service. */
  service: string | undefined;
  /** For upload-pack POSTs: `ls-refs` or `fetch` (protocol v2), `fetch` for a v0 want list. */
  command: string | undefined;
  status: number;
  authorization: string | undefined;
}

/** Options of {@link startGitHttpServer}. */
export interface GitHttpServerOptions {
  /** Directory holding the bare repositories (`GIT_PROJECT_ROOT`). */
  root: string;
  auth?: GitServerAuth;
  tls?: GitServerTls;
  /** Delay every response by this many milliseconds (timeouts, observing running clients). */
  delayMs?: number;
}

/** A running test Git server. */
export interface GitHttpServer {
  /** `http(s)://127.0.0.1:<port>` */
  readonly baseUrl: string;
  readonly port: number;
  /** URL of a repository below the root, e.g. `url("app.git")`. */
  url(repo: string): string;
  /** Requests received so far. */
  readonly requests: RecordedRequest[];
  /** Upload-pack commands received so far (`ls-refs`, `fetch`), in order. */
  commands(): string[];
  /** Forgets recorded requests. */
  reset(): void;
  stop(): Promise<void>;
}

const backend = join(execFileSync("git", ["--exec-path"]).toString().trim(), "git-http-backend");

function authorized(auth: GitServerAuth | undefined, header: string | undefined): boolean {
  if (!auth) return true;
  if (!header) return false;
  if (auth.type === "bearer") return header === `Bearer ${auth.token}`;
  return header === `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`;
}

function classify(body: Buffer, encoding: string | undefined): string | undefined {
  let text: string;
  try {
    text = (encoding === "gzip" ? gunzipSync(body) : body).toString("latin1");
  } catch {
    return undefined;
  }
  if (text.includes("command=ls-refs")) return "ls-refs";
  if (text.includes("command=fetch")) return "fetch";
  if (/^[0-9a-f]{4}want /m.test(text) || text.includes("want ")) return "fetch";
  return undefined;
}

/** Starts a Git smart-HTTP server serving the bare repositories under `options.root`. */
export async function startGitHttpServer(options: GitHttpServerOptions): Promise<GitHttpServer> {
  const requests: RecordedRequest[] = [];

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (options.delayMs) {
      req.pause();
      setTimeout(() => {
        req.resume();
        serve(req, res);
      }, options.delayMs);
      return;
    }
    serve(req, res);
  };

  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const service = url.searchParams.get("service") ?? (/\/(git-[a-z-]+)$/.exec(url.pathname)?.[1] || undefined);
    const record: RecordedRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      service,
      command: undefined,
      status: 0,
      authorization: req.headers.authorization,
    };
    requests.push(record);
    if (!authorized(options.auth, req.headers.authorization)) {
      record.status = 401;
      res.writeHead(401, {
        "WWW-Authenticate": options.auth?.type === "bearer" ? "Bearer" : 'Basic realm="git"',
      });
      res.end();
      return;
    }
    const child = spawn(backend, [], {
      env: {
        PATH: process.env["PATH"] ?? "/usr/bin:/bin",
        GIT_PROJECT_ROOT: options.root,
        GIT_HTTP_EXPORT_ALL: "1",
        GIT_CONFIG_NOSYSTEM: "1",
        GIT_CONFIG_GLOBAL: "/dev/null",
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.replace(/^\?/, ""),
        REQUEST_METHOD: req.method ?? "GET",
        CONTENT_TYPE: req.headers["content-type"] ?? "",
        REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
        REMOTE_USER: options.auth?.type === "basic" ? options.auth.username : "",
        HTTP_CONTENT_ENCODING: req.headers["content-encoding"] ?? "",
        GIT_PROTOCOL: String(req.headers["git-protocol"] ?? ""),
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const body: Buffer[] = [];
    req.on("data", (c: Buffer) => body.push(c));
    req.on("end", () => {
      if (record.method === "POST" && service === "git-upload-pack") {
        record.command = classify(Buffer.concat(body), req.headers["content-encoding"]);
      }
    });
    req.pipe(child.stdin);
    child.stdin.on("error", () => {});
    child.stderr.resume();
    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on("data", (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      let sep = head.indexOf("\r\n\r\n");
      let sepLen = 4;
      if (sep === -1) {
        sep = head.indexOf("\n\n");
        sepLen = 2;
      }
      if (sep === -1) return;
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, sep).toString("latin1").split(/\r?\n/)) {
        const i = line.indexOf(":");
        if (i === -1) continue;
        const name = line.slice(0, i).trim();
        const value = line.slice(i + 1).trim();
        if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
        else headers[name] = value;
      }
      record.status = status;
      res.writeHead(status, headers);
      res.write(head.subarray(sep + sepLen));
    });
    child.stdout.on("end", () => {
      if (!headersDone) {
        record.status = 502;
        res.writeHead(502);
      }
      res.end();
    });
    child.on("error", () => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };

  const server: Server = options.tls
    ? createHttpsServer(
        {
          key: options.tls.key,
          cert: options.tls.cert,
          ...(options.tls.ca ? { ca: options.tls.ca } : {}),
          requestCert: options.tls.requestCert === true,
          rejectUnauthorized: options.tls.requestCert === true,
        },
        handler,
      )
    : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `${options.tls ? "https" : "http"}://127.0.0.1:${port}`;
  return {
    baseUrl,
    port,
    url: (repo) => `${baseUrl}/${repo}`,
    requests,
    commands: () => requests.map((r) => r.command).filter((c): c is string => c !== undefined),
    reset: () => {
      requests.length = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
