/** What a request URL addresses, as kube-apiserver's RequestInfoFactory resolves it. */
export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  /** `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`. */
  verb: string;
  apiPrefix: "api" | "apis" | "";
  group: string;
  version: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  parts: string[];
}

const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);

/** Resolves a request method and URL into a RequestInfo. */
export function resolveRequestInfo(method: string, url: URL): RequestInfo {
  const path = url.pathname;
  const info: RequestInfo = {
    isResourceRequest: false,
    path,
    verb: method.toLowerCase(),
    apiPrefix: "",
    group: "",
    version: "",
    namespace: "",
    resource: "",
    subresource: "",
    name: "",
    parts: [],
  };
  let parts = path
    .split("/")
    .filter((p) => p !== "")
    .map((p) => decodeURIComponent(p));
  const prefix = parts[0];
  if (prefix !== "api" && prefix !== "apis") return info;
  info.apiPrefix = prefix;
  parts = parts.slice(1);
  if (prefix === "apis") {
    if (parts.length < 1) return info;
    info.group = parts[0]!;
    parts = parts.slice(1);
  }
  if (parts.length < 1) return info;
  info.version = parts[0]!;
  parts = parts.slice(1);
  if (parts.length < 1) return info;
  info.isResourceRequest = true;
  let isWatchPath = false;
  if (parts[0] === "watch") {
    isWatchPath = true;
    parts = parts.slice(1);
  }
  if (parts[0] === "namespaces") {
    if (parts.length > 1) {
      info.namespace = parts[1]!;
      if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2]!)) parts = parts.slice(2);
    }
  }
  info.parts = parts;
  info.resource = parts[0] ?? "";
  if (parts.length >= 2) info.name = parts[1]!;
  if (parts.length >= 3) info.subresource = parts[2]!;
  // A namespace object itself: /api/v1/namespaces/{name}[/status|/finalize]
  if (info.resource === "namespaces") info.namespace = "";
  const method_ = method.toUpperCase();
  const watch = isWatchPath || url.searchParams.get("watch") === "true" || url.searchParams.get("watch") === "1";
  switch (method_) {
    case "GET":
    case "HEAD":
      info.verb = info.name === "" ? (watch ? "watch" : "list") : watch ? "watch" : "get";
      break;
    case "POST":
      info.verb = "create";
      break;
    case "PUT":
      info.verb = "update";
      break;
    case "PATCH":
      info.verb = "patch";
      break;
    case "DELETE":
      info.verb = info.name === "" ? "deletecollection" : "delete";
      break;
    default:
      info.verb = method_.toLowerCase();
  }
  return info;
}
