// A small Git smart-HTTP server for `sluice up --demo`: node:http in front of `git http-backend` run as CGI,
// on loopback, serving the bare repositories under one directory (clone, fetch and push).

import { execFileSync, spawn } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

/** Options of {@link startGitHttpServer}. */
export interface GitHttpServerOptions {
  /** Directory holding the bare repositories (`GIT_PROJECT_ROOT`). */
  root: string;
  /** Loopback address to bind (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: any free port). */
  port?: number;
  /** Called after a push was received, with the repository's path below the root (e.g. `demo.git`). */
  onPush?: (repo: string) => void;
}

/** A running Git server. */
export interface GitHttpServer {
  /** `http://<host>:<port>` */
  readonly baseUrl: string;
  /** URL of a repository below the root, e.g. `url("demo.git")`. */
  url(repo: string): string;
  /** Stops listening and closes open connections. */
  stop(): Promise<void>;
}

/** Splits a CGI response head into status and headers. */
function parseCgiHead(head: string): { status: number; headers: Record<string, string> } {
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
 * Starts a Git smart-HTTP server for the bare repositories under `options.root`. Every repository is
 * exported and accepts pushes (it listens on loopback only, for the machine's own user); `onPush` hears of
 * each push, as a Git host's webhook would tell.
 */
export async function startGitHttpServer(options: GitHttpServerOptions): Promise<GitHttpServer> {
  const backend = join(execFileSync("git", ["--exec-path"]).toString().trim(), "git-http-backend");
  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const child = spawn(backend, [], {
      env: {
        PATH: process.env["PATH"] ?? "/usr/bin:/bin",
        GIT_PROJECT_ROOT: options.root,
        GIT_HTTP_EXPORT_ALL: "1",
        GIT_CONFIG_NOSYSTEM: "1",
        GIT_CONFIG_GLOBAL: "/dev/null",
        GIT_CONFIG_COUNT: "1",
        GIT_CONFIG_KEY_0: "http.receivepack",
        GIT_CONFIG_VALUE_0: "true",
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.replace(/^\?/, ""),
        REQUEST_METHOD: req.method ?? "GET",
        CONTENT_TYPE: req.headers["content-type"] ?? "",
        REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
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
      res.writeHead(status, headers);
      res.write(head.subarray(sep + sepLen));
    });
    child.stdout.on("end", () => {
      if (!headersDone) res.writeHead(502);
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
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
  const server = createServer(serve);
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://${host}:${port}`;
  return {
    baseUrl,
    url: (repo) => `${baseUrl}/${repo}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
