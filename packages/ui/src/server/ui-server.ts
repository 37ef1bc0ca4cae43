// The UI's HTTP server: the built front end, the JSON API over the shared watch cache, the Server-Sent
// Events stream, and the actions (as the logged-in user, through impersonation).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { overrideArtifactHost } from "@sluice/runtime/artifact";
import { ApiError, KubeClient, type KubeConfigLike } from "@sluice/runtime/kube";
import type { Logger } from "@sluice/runtime/logging";
import {
  ACTIONS,
  type ActionName,
  type Counts,
  CSRF_HEADER,
  type ListPage,
  type Session,
  type TreeAnswer,
} from "../shared/api.js";
import { runAction, UnsupportedActionError } from "./actions.js";
import { ControllerLogs, type ControllerLogsOptions } from "./controller-logs.js";
import { DiffUnavailableError, desiredDiff } from "./desired-diff.js";
import { objectDetail } from "./detail.js";
import { EventStream } from "./event-stream.js";
import { helmDiff, helmHistory } from "./helm-release.js";
import { ImpersonatingClients } from "./impersonation.js";
import { watchedKind } from "./kinds.js";
import { countRows, parseListQuery, queryRows } from "./list-query.js";
import { streamLogs } from "./log-stream.js";
import { OIDC_COOKIE, OidcLogin, OidcLoginError, type OidcOptions } from "./oidc.js";
import { ResourceTreeBuilder } from "./resource-tree.js";
import { RollbackError, type RollbackOptions, rollback } from "./rollback.js";
import { hostAllowed, originAllowed, setSecurityHeaders } from "./security.js";
import { readCookie, SESSION_COOKIE, SessionStore, secretEquals, type UiLogin, type UiSession } from "./sessions.js";
import { defaultPublicDir, loadStaticFiles, type StaticFile } from "./static-files.js";
import type { FluxObject } from "./summarize.js";
import { reviewToken } from "./token-review.js";
import { WatchHub } from "./watch-hub.js";

/** Options of {@link startUiServer}. */
export interface UiServerOptions {
  /** The UI's own credentials: reads use them, actions add impersonation of the logged-in user. */
  kubeConfig: KubeConfigLike;
  /** TCP port (0: any free port; default 9400). */
  port?: number | undefined;
  /** Address to bind (default 127.0.0.1). */
  host?: string | undefined;
  /** Host header values accepted besides loopback names (`ui.example.com`, `ui.example.com:443`). */
  allowedHosts?: readonly string[] | undefined;
  /** Tokens users log in with, and who each stands for. Without any, the UI is read-only for everyone. */
  logins?: readonly UiLogin[] | undefined;
  /**
   * Also accept any token the API server authenticates (a TokenReview with the UI's identity); such users
   * act as themselves when `canAct` (default true), their RBAC deciding.
   */
  tokenReview?: { canAct?: boolean | undefined } | undefined;
  /** Offer "Log in with OIDC": the ID token's claims become the impersonated user and groups. */
  oidc?: OidcOptions | undefined;
  /** Watch one namespace only (default all). */
  namespace?: string | undefined;
  /** The built front end (default dist/public of this package). */
  publicDir?: string | undefined;
  /** Where "roll back to this revision" may push revert commits (elsewhere it answers the commands). */
  rollback?: RollbackOptions | undefined;
  /** Where the controllers' logs are read for the object pages' log viewer. */
  logs?: ControllerLogsOptions | undefined;
  /** Mark the session cookie Secure (behind HTTPS). */
  secureCookies?: boolean | undefined;
  logger?: Logger | undefined;
}

/** A running UI server. */
export interface UiServer {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  readonly hub: WatchHub;
  /** Resolves once every watched kind has been listed. */
  waitForSync(signal?: AbortSignal): Promise<void>;
  stop(): Promise<void>;
}

/** An HTTP error answered as `{ error }` JSON with its status. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

const MAX_BODY = 64 * 1024;

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new HttpError(413, "request body too large"));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      if (text.trim() === "") return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new HttpError(400, "request body is not JSON"));
      }
    });
    req.on("error", reject);
  });
}

/** Bodies at least this large are gzipped for browsers that accept it (a page of rows: ~40 KiB → ~5 KiB). */
const GZIP_MIN_BYTES = 8 * 1024;

function acceptsGzip(req: IncomingMessage | undefined): boolean {
  return /\bgzip\b/.test(String(req?.headers["accept-encoding"] ?? ""));
}

function sendJson(res: ServerResponse, status: number, body: unknown, req?: IncomingMessage): void {
  const text = Buffer.from(JSON.stringify(body), "utf8");
  const headers: Record<string, string | number> = {
    "Content-Type": "application/json; charset=utf-8",
    "Cache-Control": "no-store",
    Vary: "Accept-Encoding",
  };
  // Fast level: the CPU goes to the next request, the bytes saved are most of them.
  const out = text.length >= GZIP_MIN_BYTES && acceptsGzip(req) ? gzipSync(text, { level: 1 }) : text;
  if (out !== text) headers["Content-Encoding"] = "gzip";
  headers["Content-Length"] = out.length;
  res.writeHead(status, headers);
  res.end(out);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" });
  res.end(text);
}

/**
 * Streams a source's artifact from its URL (source-controller's file server) to the browser as a download;
 * the tarball's digest is sent along (`X-Artifact-Digest`) for checking.
 */
async function downloadArtifact(res: ServerResponse, obj: FluxObject): Promise<void> {
  const artifact = obj.status?.["artifact"] as { url?: string; digest?: string; revision?: string } | undefined;
  if (!artifact?.url)
    throw new HttpError(404, `${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name} has no artifact`);
  const url = overrideArtifactHost(artifact.url, process.env["SOURCE_CONTROLLER_LOCALHOST"]);
  const upstream = await fetch(url).catch((err: unknown) => {
    throw new HttpError(502, `fetching ${url}: ${err instanceof Error ? err.message : String(err)}`);
  });
  if (!upstream.ok || !upstream.body) throw new HttpError(502, `fetching ${url}: ${upstream.status}`);
  const file = `${obj.kind.toLowerCase()}-${obj.metadata.namespace}-${obj.metadata.name}.tar.gz`.replace(
    /[^\w.-]/g,
    "_",
  );
  res.writeHead(200, {
    "Content-Type": "application/gzip",
    "Content-Disposition": `attachment; filename="${file}"`,
    "Cache-Control": "no-store",
    ...(artifact.digest ? { "X-Artifact-Digest": artifact.digest } : {}),
  });
  for await (const chunk of upstream.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
  res.end();
}

/** Splits `/api/<prefix>/<kind>/<namespace>/<name>` into its decoded parts. */
function objectPath(rest: string): { kind: string; namespace: string; name: string } {
  const parts = rest.split("/").map((p) => decodeURIComponent(p));
  if (parts.length !== 3 || parts.some((p) => p === "")) {
    throw new HttpError(404, `not an object path: ${rest}`);
  }
  const [kind = "", namespace = "", name = ""] = parts;
  if (!watchedKind(kind)) throw new HttpError(404, `kind ${kind} is not one the UI shows`);
  return { kind, namespace, name };
}

/**
 * Starts the UI server: watches every Flux kind with the UI's credentials and serves the front end and
 * the API on `host:port`. Requests whose Host is not a loopback name or an allowed host get 421; writes
 * need a logged-in session, its CSRF token and a same-origin Origin; read-only sessions get 403.
 */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const logger = options.logger;
  const files = loadStaticFiles(options.publicDir ?? defaultPublicDir());
  const client = KubeClient.fromKubeConfig(options.kubeConfig);
  const hub = new WatchHub(client, { namespace: options.namespace, logger });
  const impersonating = new ImpersonatingClients(options.kubeConfig);
  const sessions = new SessionStore(options.logins ?? []);
  let servedUrl = "";
  const oidc = options.oidc ? new OidcLogin(options.oidc, () => servedUrl) : undefined;
  const stream = new EventStream(hub);
  const logs = new ControllerLogs(client, options.logs ?? {});
  const allowedHosts = (options.allowedHosts ?? []).map((h) => h.toLowerCase());
  let counts: { seq: number; value: Counts } | undefined;

  const cookie = (s: UiSession) =>
    `${SESSION_COOKIE}=${s.id}; Path=/; HttpOnly; SameSite=Strict${options.secureCookies ? "; Secure" : ""}`;

  /**
   * The request's session. Only `GET /api/session` creates one (and sets its cookie): the page's other first
   * requests run at the same time, and cookies they set would race with the CSRF token the page keeps.
   */
  const sessionOf = (req: IncomingMessage, res: ServerResponse, create: boolean): UiSession | undefined => {
    const found = sessions.get(readCookie(req.headers.cookie, SESSION_COOKIE));
    if (found || !create) return found;
    const created = sessions.create();
    res.setHeader("Set-Cookie", cookie(created));
    return created;
  };

  const sessionView = (s: UiSession): Session => ({
    user: s.user?.name ?? "anonymous (read-only)",
    canAct: s.user?.canAct === true,
    csrfToken: s.csrfToken,
    oidc: oidc !== undefined,
  });

  /** Checks a write: same origin, CSRF token of the session. */
  const checkWrite = (req: IncomingMessage, s: UiSession): void => {
    if (!originAllowed(req)) throw new HttpError(403, "cross-origin request refused");
    const given = req.headers[CSRF_HEADER];
    if (typeof given !== "string" || !secretEquals(given, s.csrfToken)) {
      throw new HttpError(403, "missing or wrong CSRF token: reload the page");
    }
  };

  const cachedObject = (kind: string, namespace: string, name: string) => {
    const obj = hub.object(kind, namespace, name);
    if (!obj) throw new HttpError(404, `${kind} ${namespace}/${name} not found`);
    return obj;
  };

  const serveStatic = (path: string, req: IncomingMessage, res: ServerResponse): void => {
    const file: StaticFile | undefined = files.get(path === "/" ? "/index.html" : path);
    if (!file) throw new HttpError(404, `no such page: ${path}`);
    const body = file.gzipped && acceptsGzip(req) ? file.gzipped : file.body;
    res.writeHead(200, {
      "Content-Type": file.type,
      "Content-Length": body.length,
      "Cache-Control": file.immutable ? "public, max-age=31536000, immutable" : "no-cache",
      Vary: "Accept-Encoding",
      ...(body === file.gzipped ? { "Content-Encoding": "gzip" } : {}),
    });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    setSecurityHeaders(res);
    // Probes come with the Pod IP as Host: answer them before the Host check (they reveal nothing).
    if (req.url === "/healthz") return sendText(res, 200, "ok");
    if (req.url === "/readyz") return hub.synced() ? sendText(res, 200, "ok") : sendText(res, 503, "caches not synced");
    if (!hostAllowed(req.headers.host, allowedHosts)) {
      throw new HttpError(421, `host ${req.headers.host ?? "(none)"} is not served here`);
    }
    const url = new URL(req.url ?? "/", "http://ui.invalid");
    const path = url.pathname;
    const method = req.method ?? "GET";
    if (!path.startsWith("/api/")) {
      if (method !== "GET" && method !== "HEAD") throw new HttpError(405, `${method} not allowed`);
      return serveStatic(path, req, res);
    }
    if (method === "GET" && path === "/api/session") return sendJson(res, 200, sessionView(sessionOf(req, res, true)!));
    if (method === "GET" && path.startsWith("/api/oidc/")) {
      if (!oidc) throw new HttpError(404, "OIDC login is not configured");
      if (path === "/api/oidc/login") {
        const { url: to, id } = await oidc.start();
        res.writeHead(302, {
          Location: to,
          "Set-Cookie": `${OIDC_COOKIE}=${id}; Path=/api/oidc; HttpOnly; SameSite=Lax; Max-Age=600${options.secureCookies ? "; Secure" : ""}`,
          "Cache-Control": "no-store",
        });
        return void res.end();
      }
      if (path === "/api/oidc/callback") {
        const user = await oidc.finish(readCookie(req.headers.cookie, OIDC_COOKIE), url.searchParams);
        const next = sessions.loginAs(sessions.get(readCookie(req.headers.cookie, SESSION_COOKIE)), user);
        logger?.info({ user: user.name, groups: user.groups }, "UI login (OIDC)");
        res.writeHead(302, {
          Location: "/",
          "Set-Cookie": [cookie(next), `${OIDC_COOKIE}=; Path=/api/oidc; HttpOnly; SameSite=Lax; Max-Age=0`],
          "Cache-Control": "no-store",
        });
        return void res.end();
      }
      throw new HttpError(404, `no such API: ${path}`);
    }
    const found = sessionOf(req, res, false);
    if (method === "GET") {
      if (path === "/api/objects") {
        let query: ReturnType<typeof parseListQuery>;
        try {
          query = parseListQuery(url.searchParams);
        } catch (err: unknown) {
          throw new HttpError(400, (err as Error).message);
        }
        const rows = hub.all();
        if (counts?.seq !== hub.seq) counts = { seq: hub.seq, value: countRows(rows) };
        const page: ListPage = { ...queryRows(rows, query), counts: counts.value, synced: hub.synced(), seq: hub.seq };
        return sendJson(res, 200, page, req);
      }
      if (path === "/api/events") return stream.attach(req, res);
      if (path.startsWith("/api/logs/")) {
        const { kind, namespace, name } = objectPath(path.slice("/api/logs/".length));
        cachedObject(kind, namespace, name);
        return streamLogs(req, res, logs, { kind, namespace, name });
      }
      if (path.startsWith("/api/object/")) {
        const { kind, namespace, name } = objectPath(path.slice("/api/object/".length));
        return sendJson(res, 200, await objectDetail(hub, client, cachedObject(kind, namespace, name)), req);
      }
      if (path.startsWith("/api/tree/")) {
        const { kind, namespace, name } = objectPath(path.slice("/api/tree/".length));
        if (kind !== "Kustomization" && kind !== "HelmRelease") {
          throw new HttpError(400, `${kind} has no resource tree: only Kustomizations and HelmReleases apply objects`);
        }
        const tree: TreeAnswer = {
          nodes: await new ResourceTreeBuilder(client).build(cachedObject(kind, namespace, name)),
        };
        return sendJson(res, 200, tree, req);
      }
      if (path.startsWith("/api/artifact/")) {
        const { kind, namespace, name } = objectPath(path.slice("/api/artifact/".length));
        return downloadArtifact(res, cachedObject(kind, namespace, name));
      }
      // Dry-run applies need patch rights, Helm's storage Secret reads: as the logged-in user when there is
      // one, else as the UI.
      const viewer = found?.user ? impersonating.for(found.user) : client;
      if (path.startsWith("/api/diff/")) {
        const { kind, namespace, name } = objectPath(path.slice("/api/diff/".length));
        const obj = cachedObject(kind, namespace, name);
        if (kind === "HelmRelease") return sendJson(res, 200, await helmDiff(viewer, obj), req);
        if (kind !== "Kustomization")
          throw new HttpError(
            400,
            `the desired-vs-live diff is built for Kustomizations and HelmReleases, not ${kind}`,
          );
        return sendJson(res, 200, await desiredDiff(viewer, hub, obj), req);
      }
      if (path.startsWith("/api/helm/")) {
        const { kind, namespace, name } = objectPath(path.slice("/api/helm/".length));
        if (kind !== "HelmRelease") throw new HttpError(400, `${kind} has no Helm release: only HelmReleases do`);
        return sendJson(res, 200, await helmHistory(viewer, cachedObject(kind, namespace, name)), req);
      }
      throw new HttpError(404, `no such API: ${path}`);
    }
    if (method !== "POST") throw new HttpError(405, `${method} not allowed`);
    if (!found) throw new HttpError(403, "no session: reload the page");
    const session = found;
    checkWrite(req, session);
    if (path === "/api/login") {
      const body = (await readBody(req)) as { token?: unknown };
      if (typeof body.token !== "string" || body.token === "") throw new HttpError(400, "token: required");
      let done = sessions.login(session, body.token);
      if (!done && options.tokenReview) {
        const user = await reviewToken(client, body.token, options.tokenReview.canAct ?? true);
        if (user) done = { session: sessions.loginAs(session, user), user };
      }
      if (!done) throw new HttpError(401, "unknown token");
      res.setHeader("Set-Cookie", cookie(done.session));
      logger?.info({ user: done.user.name }, "UI login");
      return sendJson(res, 200, sessionView(done.session));
    }
    if (path === "/api/logout") {
      sessions.logout(session);
      const next = sessions.create();
      res.setHeader("Set-Cookie", cookie(next));
      return sendJson(res, 200, sessionView(next));
    }
    if (path.startsWith("/api/action/")) {
      const rest = path.slice("/api/action/".length);
      const slash = rest.indexOf("/");
      const action = rest.slice(0, slash) as ActionName;
      if (!(ACTIONS as readonly string[]).includes(action)) throw new HttpError(404, `no such action: ${action}`);
      const { kind, namespace, name } = objectPath(rest.slice(slash + 1));
      if (!session.user?.canAct) {
        throw new HttpError(403, `${session.user?.name ?? "anonymous"} is read-only: log in with a token that may act`);
      }
      const obj = cachedObject(kind, namespace, name);
      const answer = await runAction(impersonating.for(session.user), action, obj);
      logger?.info({ user: session.user.name, action, object: `${kind}/${namespace}/${name}` }, "UI action");
      return sendJson(res, 200, answer);
    }
    if (path.startsWith("/api/rollback/")) {
      const { kind, namespace, name } = objectPath(path.slice("/api/rollback/".length));
      if (kind !== "Kustomization") throw new HttpError(400, `rollback is built for Kustomizations, not ${kind}`);
      if (!session.user?.canAct) {
        throw new HttpError(403, `${session.user?.name ?? "anonymous"} is read-only: log in with a token that may act`);
      }
      const body = (await readBody(req)) as { revision?: unknown };
      if (typeof body.revision !== "string") throw new HttpError(400, "revision: required");
      const answer = await rollback(
        hub,
        cachedObject(kind, namespace, name),
        body.revision,
        session.user.name,
        options.rollback ?? {},
      );
      logger?.info(
        { user: session.user.name, object: `${kind}/${namespace}/${name}`, commit: answer.commit },
        "UI rollback",
      );
      return sendJson(res, 200, answer);
    }
    throw new HttpError(404, `no such API: ${path}`);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      let status = 500;
      let message = "internal error";
      if (err instanceof HttpError) ({ status, message } = err);
      else if (err instanceof OidcLoginError) ({ status, message } = { status: 401, message: err.message });
      else if (err instanceof UnsupportedActionError) ({ status, message } = { status: 400, message: err.message });
      else if (err instanceof DiffUnavailableError || err instanceof RollbackError) {
        ({ status, message } = { status: 409, message: err.message });
      } else if (err instanceof ApiError) {
        status = err.status >= 400 && err.status < 600 ? err.status : 502;
        message = err.message;
      } else logger?.error({ error: err, path: req.url }, "UI request failed");
      if (res.headersSent) res.destroy();
      else sendJson(res, status, { error: message });
    });
  });
  server.keepAliveTimeout = 5000;

  const host = options.host ?? "127.0.0.1";
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 9400, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (err: unknown) {
    // Nothing started yet but the stream's heartbeat and the client: end them, or they keep the process up.
    stream.close();
    client.close();
    throw err;
  }
  hub.start();
  const port = (server.address() as AddressInfo).port;
  const shownHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  servedUrl = `http://${shownHost}:${port}`;
  let stopping: Promise<void> | undefined;
  return {
    url: servedUrl,
    port,
    hub,
    waitForSync: (signal) => hub.cache.waitForSync(signal),
    stop: () => {
      stopping ??= (async () => {
        stream.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await hub.stop();
        impersonating.close();
        client.close();
      })();
      return stopping;
    },
  };
}
