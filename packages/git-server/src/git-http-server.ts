// A Git smart-HTTP server: node:http (or https) in front of the real `git http-backend` run as CGI, serving
// the bare repositories under one directory (clone, fetch and, when allowed, push). `sluice up --demo` serves
// its demo repository with it; testkit wraps it for the tests' Git servers.

import { execFileSync, spawn } from "node:child_process";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

/** Authentication the server demands (none when unset). */
export type GitServerAuth = { type: "basic"; username: string; password: string } | { type: "bearer"; token: string };

/** TLS material (PEM) for an HTTPS server; `ca` + `requestCert` demand client certificates signed by it. */
export interface GitServerTls {
  key: string;
  cert: string;
  ca?: string;
  requestCert?: boolean;
}

/** Options of {@link createGitHttpHandler}. */
export interface GitHttpHandlerOptions {
  /** Directory holding the bare repositories (`GIT_PROJECT_ROOT`); every repository below it is exported. */
  root: string;
  /** Credentials every request must carry; a basic-auth user becomes the CGI's `REMOTE_USER`. */
  auth?: GitServerAuth | undefined;
  /**
   * Accept pushes from anyone who may read (`http.receivepack=true`). Without it git's default holds: pushes
   * only from an authenticated (`auth` basic) user.
   */
  receivePack?: boolean | undefined;
  /** Called after a push succeeded, with the repository's path below the root (e.g. `demo.git`). */
  onPush?: ((repo: string) => void) | undefined;
  /** Called with each request's response status once it is known (401, the backend's status, 502 or 500). */
  onResponse?: ((req: IncomingMessage, status: number) => void) | undefined;
}

/** Options of {@link startGitHttpServer}. */
export interface GitHttpServerOptions extends GitHttpHandlerOptions {
  /** Address to bind (default 127.0.0.1). */
  host?: string | undefined;
  /** Port (default 0: any free port). */
  port?: number | undefined;
  /** Serve HTTPS with this key and certificate. */
  tls?: GitServerTls | undefined;
  /**
   * Runs before each request is served, which happens when it calls `next` (e.g. to record or delay
   * requests); default: serve at once.
   */
  intercept?: ((req: IncomingMessage, res: ServerResponse, next: () => void) => void) | undefined;
}

/** A running Git server. */
export interface GitHttpServer {
  /** `http(s)://<host>:<port>` */
  readonly baseUrl: string;
  readonly port: number;
  /** URL of a repository below the root, e.g. `url("demo.git")`. */
  url(repo: string): string;
  /** Stops listening and closes open connections. */
  stop(): Promise<void>;
}

/** Path of the `git-http-backend` program of the git on PATH. */
function backendPath(): string {
  return join(execFileSync("git", ["--exec-path"]).toString().trim(), "git-http-backend");
}

function authorized(auth: GitServerAuth | undefined, header: string | undefined): boolean {
  if (!auth) return true;
  if (!header) return false;
  if (auth.type === "bearer") return header === `Bearer ${auth.token}`;
  return header === `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`;
}

/** Splits a CGI response head into status and headers. */
export function parseCgiHead(head: string): { status: number; headers: Record<string, string> } {
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of head.split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i === -1) continue;
    const name = line.slice(0, i).trim();
    const value = line.slice(i + 1).trim();
    if (name.toLowerCase() === "status") status = Number.parseInt(value, 10) || 200;
    else headers[name] = value;
  }
  return { status, headers };
}

/**
 * The request handler of a Git smart-HTTP server: checks `auth`, runs `git http-backend` for the request
 * (with a private git configuration: no system or global config) and streams its CGI response back.
 */
export function createGitHttpHandler(
  options: GitHttpHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const backend = backendPath();
  const respond = (req: IncomingMessage, res: ServerResponse, status: number, headers?: Record<string, string>) => {
    options.onResponse?.(req, status);
    res.writeHead(status, headers);
  };
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (!authorized(options.auth, req.headers.authorization)) {
      respond(req, res, 401, {
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
        ...(options.receivePack
          ? { GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: "http.receivepack", GIT_CONFIG_VALUE_0: "true" }
          : {}),
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
    req.pipe(child.stdin);
    child.stdin.on("error", () => undefined);
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
      const { status, headers } = parseCgiHead(head.subarray(0, sep).toString("latin1"));
      respond(req, res, status, headers);
      res.write(head.subarray(sep + sepLen));
    });
    child.stdout.on("end", () => {
      if (!headersDone) respond(req, res, 502);
      res.end();
    });
    if (req.method === "POST" && url.pathname.endsWith("/git-receive-pack")) {
      const repo = decodeURIComponent(url.pathname)
        .replace(/^\/+/, "")
        .replace(/\/git-receive-pack$/, "");
      child.on("exit", (code) => {
        if (code === 0) options.onPush?.(repo);
      });
    }
    child.on("error", () => {
      if (!res.headersSent) respond(req, res, 500);
      res.end();
    });
  };
}

/**
 * Starts a Git smart-HTTP server for the bare repositories under `options.root` on `host:port` (default a
 * free loopback port), over HTTPS with `tls`. Every repository is exported; see {@link GitHttpHandlerOptions}
 * for authentication and pushes.
 */
export async function startGitHttpServer(options: GitHttpServerOptions): Promise<GitHttpServer> {
  const handle = createGitHttpHandler(options);
  const intercept = options.intercept;
  const handler = intercept
    ? (req: IncomingMessage, res: ServerResponse) => intercept(req, res, () => handle(req, res))
    : handle;
  const tls = options.tls;
  const server: Server = tls
    ? createHttpsServer(
        {
          key: tls.key,
          cert: tls.cert,
          ...(tls.ca ? { ca: tls.ca } : {}),
          requestCert: tls.requestCert === true,
          rejectUnauthorized: tls.requestCert === true,
        },
        handler,
      )
    : createHttpServer(handler);
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `${tls ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${port}`;
  return {
    baseUrl,
    port,
    url: (repo) => `${baseUrl}/${repo}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
