import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestContext, UserInfo } from "../api/request-context.js";
import type { AuditLog } from "../audit.js";
import { ApiError, notAcceptable, pathNotFound } from "../errors.js";
import type { ResourceRegistry } from "../resources/registry.js";
import { authenticate } from "./authenticate.js";
import { aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions } from "./discovery.js";
import { negotiate } from "./negotiate.js";
import { serveOpenApiV2 } from "./openapi-v2.js";
import { resolveRequestInfo } from "./request-info.js";
import { clientOf, metricVerb, type RequestMetrics } from "./request-metrics.js";
import type { ResourceHandler } from "./resource-handler.js";
import { sendError, sendJson } from "./respond.js";

/** What the router needs from the server. */
export interface RouterDeps {
  registry: ResourceRegistry;
  resources: ResourceHandler;
  token: string;
  /** Let tokenless loopback requests in as the admin (plain-HTTP servers started with that option). */
  trustLoopbackHttp?: boolean;
  audit: AuditLog;
  /** Counts resource requests and serves them on `/metrics`. */
  metrics: RequestMetrics;
  serverAddress: () => string;
  version: () => Record<string, string>;
  openapi: (path: string, req: IncomingMessage, res: ServerResponse) => boolean;
  ready: () => boolean;
}

function managerFromUserAgent(ua: string | undefined): string {
  if (!ua) return "unknown";
  const prefix = ua.split("/")[0] ?? "unknown";
  return prefix.slice(0, 128);
}

function fieldValidation(v: string | null): RequestContext["fieldValidation"] {
  if (v === "Strict" || v === "Ignore") return v;
  if (v === null || v === "" || v === "Warn") return "Warn";
  throw new ApiError(
    400,
    "BadRequest",
    `fieldValidation: Unsupported value: "${v}": supported values: "Ignore", "Strict", "Warn"`,
  );
}

function dryRun(q: URLSearchParams): boolean {
  const values = q.getAll("dryRun");
  for (const v of values) {
    if (v !== "All")
      throw new ApiError(400, "BadRequest", `dryRun: Unsupported value: "${v}": supported values: "All"`);
  }
  return values.length > 0;
}

const HEALTH_CHECKS = [
  "ping",
  "log",
  "etcd",
  "poststarthook/start-apiextensions-controllers",
  "poststarthook/crd-informer-synced",
];

function health(res: ServerResponse, kind: string, url: URL, ok: boolean): void {
  if (url.searchParams.has("verbose")) {
    const lines = HEALTH_CHECKS.map((c) => `[${ok ? "+" : "-"}]${c} ${ok ? "ok" : "failed"}`);
    lines.push(ok ? `${kind} check passed` : `${kind} check failed`);
    res.writeHead(ok ? 200 : 500, { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" });
    res.end(`${lines.join("\n")}\n`);
    return;
  }
  res.writeHead(ok ? 200 : 500, { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" });
  res.end(ok ? "ok" : `${kind} check failed`);
}

/** Dispatches a request: authentication, health, version, discovery, OpenAPI and resource paths. */
export async function route(deps: RouterDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, "") : url.pathname;
  let who: UserInfo = { name: "unknown", groups: [] };
  const started = Date.now();
  let info: ReturnType<typeof resolveRequestInfo> | undefined;
  res.on("finish", () => {
    if (info?.isResourceRequest) {
      deps.metrics.record({
        verb: metricVerb(info.verb, req.headers["content-type"]),
        group: info.group,
        resource: info.resource,
        subresource: info.subresource,
        dryRun: url.searchParams.has("dryRun"),
        code: res.statusCode,
        client: clientOf(req.headers["user-agent"]),
      });
    }
    deps.audit.record({
      time: new Date(started).toISOString(),
      user: who.name,
      ...(who.impersonatedBy ? { impersonatedBy: who.impersonatedBy } : {}),
      groups: who.groups,
      verb: req.method ?? "",
      path: url.pathname + url.search,
      code: res.statusCode,
      ...(req.headers["user-agent"] ? { userAgent: req.headers["user-agent"] } : {}),
    });
  });
  try {
    const user = authenticate(req, path, {
      adminToken: deps.token,
      ...(deps.trustLoopbackHttp === true ? { trustLoopbackHttp: true } : {}),
    });
    who = user;
    if (path === "/healthz" || path === "/livez" || path === "/readyz" || /^\/(healthz|livez|readyz)\//.test(path)) {
      health(res, path.split("/")[1]!, url, path.startsWith("/readyz") ? deps.ready() : true);
      return;
    }
    if (path === "/version") return sendJson(res, 200, deps.version());
    if (path === "/metrics") {
      res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" });
      res.end(deps.metrics.render());
      return;
    }
    if (path === "/openapi/v2") return serveOpenApiV2(req, res, deps.registry);
    if (path.startsWith("/openapi/")) {
      if (deps.openapi(path, req, res)) return;
      throw pathNotFound();
    }
    if (path === "/api" || path === "/apis") {
      const rep = negotiate(req.headers.accept, { discovery: true });
      if (rep.kind === "unsupported") throw notAcceptable(["application/json"]);
      if (rep.kind === "discovery-v2") {
        const body = aggregatedDiscovery(deps.registry, path === "/api", rep.version);
        return sendJson(
          res,
          200,
          body,
          [],
          `application/json;g=apidiscovery.k8s.io;v=${rep.version};as=APIGroupDiscoveryList`,
        );
      }
      return sendJson(res, 200, path === "/api" ? apiVersions(deps.serverAddress()) : apiGroupList(deps.registry));
    }
    info = resolveRequestInfo(req.method ?? "GET", new URL(`http://localhost${path}${url.search}`));
    if (!info.isResourceRequest) {
      if (info.apiPrefix === "api" && info.version !== "") {
        const list = apiResourceList(deps.registry, "", info.version);
        if (list) return sendJson(res, 200, list);
      } else if (info.apiPrefix === "apis" && info.group !== "") {
        const body =
          info.version === ""
            ? apiGroup(deps.registry, info.group)
            : apiResourceList(deps.registry, info.group, info.version);
        if (body) return sendJson(res, 200, body);
      }
      throw pathNotFound();
    }
    const rt = deps.registry.get(info.group, info.version, info.resource);
    if (!rt) throw pathNotFound();
    const q = url.searchParams;
    const ctx: RequestContext = {
      user,
      dryRun: dryRun(q),
      fieldManager: q.get("fieldManager") ?? managerFromUserAgent(req.headers["user-agent"]),
      fieldValidation: fieldValidation(q.get("fieldValidation")),
      warnings: [],
    };
    await deps.resources.handle(req, res, info, rt, url, ctx);
  } catch (err: unknown) {
    sendError(res, err);
  }
}
