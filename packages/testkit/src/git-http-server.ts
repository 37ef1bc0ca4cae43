// The tests' Git smart-HTTP server: @sluice/git-server (the real `git http-backend` behind node:http or
// https) on 127.0.0.1 with a free port, with optional basic or bearer authentication, recording every request
// (method, path, service and, for upload-pack POSTs, the protocol command) so tests can count operations,
// and optionally delaying every response.

import type { IncomingMessage } from "node:http";
import { gunzipSync } from "node:zlib";
import { type GitServerAuth, type GitServerTls, startGitHttpServer as startServer } from "@sluice/git-server";

export type { GitServerAuth, GitServerTls };

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
  const records = new WeakMap<IncomingMessage, RecordedRequest>();
  const server = await startServer({
    root: options.root,
    auth: options.auth,
    tls: options.tls,
    onResponse: (req, status) => {
      const record = records.get(req);
      if (record) record.status = status;
    },
    intercept: (req, _res, next) => {
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
      records.set(req, record);
      if (record.method === "POST" && service === "git-upload-pack") {
        const body: Buffer[] = [];
        req.on("data", (c: Buffer) => body.push(c));
        req.on("end", () => {
          record.command = classify(Buffer.concat(body), req.headers["content-encoding"]);
        });
      }
      if (!options.delayMs) {
        next();
        return;
      }
      req.pause();
      setTimeout(() => {
        req.resume();
        next();
      }, options.delayMs);
    },
  });
  return {
    baseUrl: server.baseUrl,
    port: server.port,
    url: (repo) => server.url(repo),
    requests,
    commands: () => requests.map((r) => r.command).filter((c): c is string => c !== undefined),
    reset: () => {
      requests.length = 0;
    },
    stop: () => server.stop(),
  };
}
