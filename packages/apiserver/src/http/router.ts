import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestContext, UserInfo } from "../api/request-context.js";
import type { AuditLog } from "../audit.js";
import { type AuthzAttributes, nonResourceAttributes } from "../authz/attributes.js";
import type { Authorizer } from "../authz/authorizer.js";
import { forbiddenError } from "../authz/forbidden.js";
import { impersonate } from "../authz/impersonation.js";
import { answerReview } from "../authz/reviews.js";
import type { ServiceAccountTokens } from "../authz/service-account-tokens.js";
import { createToken } from "../authz/token-request.js";
import { ApiError, methodNotSupported, notAcceptable, pathNotFound } from "../errors.js";
import type { ResourceRegistry } from "../resources/registry.js";
import type { ObjectStore } from "../store/object-store.js";
import { isObject } from "../util/json.js";
import { authenticate, authenticateToken } from "./authenticate.js";
import { aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions } from "./discovery.js";
import { isLoopbackHost, misdirectedHost } from "./host-check.js";
import { negotiate } from "./negotiate.js";
import { serveOpenApiV2 } from "./openapi-v2.js";
import type { PodLogs } from "./pod-logs.js";
import { resolveRequestInfo } from "./request-info.js";
import { clientOf, metricVerb, type RequestMetrics } from "./request-metrics.js";
import type { ResourceHandler } from "./resource-handler.js";
import { parseObjectBody, readBody, sendError, sendJson } from "./respond.js";

/** What the router needs from the server. */
export interface RouterDeps {
  registry: ResourceRegistry;
  resources: ResourceHandler;
  token: string;
  /**
   * Let tokenless loopback requests in as the admin (plain-HTTP servers started with that option); requests
   * whose Host is not a loopback name are then refused (DNS rebinding).
   */
  trustLoopbackHttp?: boolean;
  /** Authenticate client certificates (the TLS server requests them, verified by the client CA). */
  clientCertificates?: boolean;
  authorizer: Authorizer;
  tokens: ServiceAccountTokens;
  store: ObjectStore;
  audit: AuditLog;
  /** Counts resource requests and serves them on `/metrics`. */
  metrics: RequestMetrics;
  serverAddress: () => string;
  version: () => Record<string, string>;
  openapi: (path: string, req: IncomingMessage, res: ServerResponse) => boolean;
  ready: () => boolean;
  /** Serves pods/log. */
  podLogs: PodLogs;
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
    if (deps.trustLoopbackHttp === true && !isLoopbackHost(req.headers.host)) throw misdirectedHost(req.headers.host);
    const authenticated = authenticate(req, path, {
      adminToken: deps.token,
      tokenAuthenticator: (t) => deps.tokens.authenticate(t),
      ...(deps.trustLoopbackHttp === true ? { trustLoopbackHttp: true } : {}),
      ...(deps.clientCertificates === true ? { clientCertificates: true } : {}),
    });
    who = authenticated;
    const user = impersonate(req, authenticated, deps.authorizer);
    who = user;
    info = resolveRequestInfo(req.method ?? "GET", new URL(`http://localhost${path}${url.search}`));
    const attrs: AuthzAttributes = info.isResourceRequest
      ? {
          user,
          verb: info.verb,
          resourceRequest: true,
          group: info.group,
          version: info.version,
          namespace: info.namespace,
          resource: info.resource,
          subresource: info.subresource,
          name: info.name,
          path,
        }
      : nonResourceAttributes(user, (req.method ?? "GET").toLowerCase(), path);
    const decision = deps.authorizer.authorize(attrs);
    if (!decision.allowed) throw forbiddenError(attrs, decision.reason);
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
    if (rt.group === "" && rt.resource === "pods" && info.subresource === "log") {
      if (info.verb !== "get") throw methodNotSupported(rt, info.verb);
      return await deps.podLogs.serve(res, rt, info.namespace, info.name, url.searchParams);
    }
    if (rt.review && info.verb === "create") {
      const body = parseObjectBody(req.headers["content-type"], await readBody(req), rt.kind);
      const byToken = (t: string) =>
        authenticateToken(t, { adminToken: deps.token, tokenAuthenticator: (x) => deps.tokens.authenticate(x) });
      return sendJson(res, 201, answerReview(rt, isObject(body) ? body : {}, user, deps.authorizer, byToken));
    }
    if (rt.group === "" && rt.resource === "serviceaccounts" && info.subresource === "token") {
      if (info.verb !== "create")
        throw new ApiError(
          405,
          "MethodNotAllowed",
          `${info.verb} is not supported on resources of kind "serviceaccounts/token"`,
        );
      const body = parseObjectBody(req.headers["content-type"], await readBody(req), "TokenRequest");
      return sendJson(
        res,
        201,
        createToken(deps.store, deps.tokens, info.namespace, info.name, isObject(body) ? body : {}),
      );
    }
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
