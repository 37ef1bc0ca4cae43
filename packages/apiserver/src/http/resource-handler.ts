import type { IncomingMessage, ServerResponse } from "node:http";
import { parseListOptions } from "../api/list-options.js";
import { applyPatchToValue, PATCH_TYPES, patchObject } from "../api/patch-object.js";
import type { RequestContext } from "../api/request-context.js";
import type { DeleteOptions, ResourceService } from "../api/resource-service.js";
import { awaitResourceVersion, requestedResourceVersion } from "../api/resource-version-wait.js";
import { ApiError, badRequest, methodNotSupported, notAcceptable, notFound } from "../errors.js";
import type { ResourceType } from "../resources/resource-type.js";
import { storageKeyOf } from "../resources/resource-type.js";
import { UNTYPED } from "../schema/type-node.js";
import { objectKey } from "../store/object-store.js";
import { cloneJson, getPath, isObject, type JsonObject, type JsonValue, setPath } from "../util/json.js";
import type { KubeObject } from "../util/meta.js";
import { serializeCached } from "../util/serialize.js";
import { negotiate, type Representation } from "./negotiate.js";
import type { RequestInfo } from "./request-info.js";
import { parseObjectBody, readBody, sendJson } from "./respond.js";
import { parseIncludeObject, toPartial, toTable } from "./table.js";
import { jsonObjectEncoder, serveWatch, type WatchObjectEncoder } from "./watch-stream.js";

/** Settings of the resource handler. */
export interface ResourceHandlerOptions {
  bookmarkIntervalMs: number;
  defaultWatchTimeoutSeconds: number;
}

function representationFor(req: IncomingMessage): Representation {
  const r = negotiate(req.headers.accept, { objects: true });
  if (r.kind === "unsupported") throw notAcceptable(["application/json", "application/yaml"]);
  return r;
}

function listBody(rt: ResourceType, items: KubeObject[], meta: JsonObject): string {
  const head = JSON.stringify({
    kind: rt.listKind,
    apiVersion: rt.group === "" ? rt.version : `${rt.group}/${rt.version}`,
    metadata: meta,
  });
  return `${head.slice(0, -1)},"items":[${items.map((i) => serializeCached(i)).join(",")}]}`;
}

function renderObject(rt: ResourceType, obj: JsonObject, rep: Representation, q: URLSearchParams): JsonValue | string {
  if (obj["kind"] === "Status") return obj;
  if (rep.kind === "table")
    return toTable(rt, [obj as KubeObject], {
      version: rep.version,
      includeObject: parseIncludeObject(q.get("includeObject")),
    });
  if (rep.kind === "partial") return toPartial(obj as KubeObject, rep.version);
  return serializeCached(obj);
}

function parseDeleteOptions(q: URLSearchParams, body: JsonValue | undefined): DeleteOptions {
  const o: DeleteOptions = {};
  const src: JsonObject = isObject(body) ? body : {};
  const policy = src["propagationPolicy"] ?? q.get("propagationPolicy");
  if (policy !== null && policy !== undefined && policy !== "") {
    if (policy !== "Orphan" && policy !== "Background" && policy !== "Foreground") {
      throw new ApiError(
        422,
        "Invalid",
        `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${String(policy)}": supported values: "Foreground", "Background", "Orphan", "nil"`,
      );
    }
    o.propagationPolicy = policy;
  }
  const orphan = src["orphanDependents"] ?? q.get("orphanDependents");
  if (orphan === true || orphan === "true") o.orphanDependents = true;
  if (orphan === false || orphan === "false") o.orphanDependents = false;
  const grace = src["gracePeriodSeconds"] ?? q.get("gracePeriodSeconds");
  if (grace !== null && grace !== undefined && grace !== "") o.gracePeriodSeconds = Number(grace);
  const pre = src["preconditions"];
  if (isObject(pre)) {
    o.preconditions = {};
    if (typeof pre["uid"] === "string") o.preconditions.uid = pre["uid"];
    if (typeof pre["resourceVersion"] === "string") o.preconditions.resourceVersion = pre["resourceVersion"];
  }
  if (o.propagationPolicy !== undefined && o.orphanDependents !== undefined) {
    throw new ApiError(
      422,
      "Invalid",
      `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "${o.propagationPolicy}": orphanDependents and deletionPropagation cannot be both set`,
    );
  }
  return o;
}

function scaleOf(rt: ResourceType, obj: KubeObject): JsonObject {
  const scale = rt.scale!;
  const specReplicas = getPath(
    obj,
    scale.specReplicasPath.split(".").filter((p) => p !== ""),
  );
  const statusReplicas = getPath(
    obj,
    scale.statusReplicasPath.split(".").filter((p) => p !== ""),
  );
  const status: JsonObject = { replicas: typeof statusReplicas === "number" ? statusReplicas : 0 };
  if (scale.labelSelectorPath) {
    const sel = getPath(
      obj,
      scale.labelSelectorPath.split(".").filter((p) => p !== ""),
    );
    if (typeof sel === "string") status["selector"] = sel;
  }
  const meta: JsonObject = {};
  for (const f of ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"]) {
    if (obj.metadata[f] !== undefined) meta[f] = obj.metadata[f];
  }
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: meta,
    spec: { replicas: typeof specReplicas === "number" ? specReplicas : 0 },
    status,
  };
}

/**
 * Handles every request on a resource path: get, list, watch, create, update, patch, delete and
 * deletecollection on the resource and its status, scale and finalize subresources.
 */
export class ResourceHandler {
  constructor(
    private readonly svc: ResourceService,
    private readonly options: ResourceHandlerOptions,
  ) {}

  /** Serves one request. `done` resolves when a write is durable and the response may be sent. */
  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    info: RequestInfo,
    rt: ResourceType,
    url: URL,
    ctx: RequestContext,
  ): Promise<void> {
    const q = url.searchParams;
    const sub = info.subresource;
    if (sub !== "" && sub !== "status" && sub !== "scale" && sub !== "finalize") throw notFound(rt, info.name);
    if (sub === "status" && !rt.hasStatus) throw notFound(rt, info.name);
    if (sub === "scale" && !rt.scale) throw notFound(rt, info.name);
    if (sub === "finalize" && !rt.extraSubresources?.includes("finalize")) throw notFound(rt, info.name);
    const ns = rt.namespaced ? info.namespace : "";
    if (rt.namespaced && ns === "" && info.name !== "") throw notFound(rt, info.name);
    const rep = representationFor(req);
    const verbAllowed = sub !== "" ? true : rt.verbs.includes(info.verb);
    if (!verbAllowed) throw methodNotSupported(rt, info.verb);
    switch (info.verb) {
      case "get": {
        const obj = this.svc.get(rt, ns, info.name);
        if (sub === "scale") return sendJson(res, 200, scaleOf(rt, obj));
        return sendJson(res, 200, renderObject(rt, obj, rep, q));
      }
      case "list": {
        if (!rt.namespaced && info.namespace !== "") throw notFound(rt, "");
        const opts = parseListOptions(q, this.svc.store.collection(storageKeyOf(rt)).compactedRv);
        const minRv = requestedResourceVersion(opts.resourceVersion);
        if (minRv !== undefined && opts.continueKey === undefined) await awaitResourceVersion(this.svc.store, minRv);
        const result = this.svc.list(rt, ns, opts);
        const meta: JsonObject = { resourceVersion: result.resourceVersion };
        if (result.continueToken) meta["continue"] = result.continueToken;
        if (result.remainingItemCount !== undefined) meta["remainingItemCount"] = result.remainingItemCount;
        if (rep.kind === "table") {
          return sendJson(
            res,
            200,
            toTable(rt, result.items, {
              version: rep.version,
              includeObject: parseIncludeObject(q.get("includeObject")),
              listMeta: meta,
            }),
          );
        }
        if (rep.kind === "partial") return sendJson(res, 200, toPartial(result.items, rep.version, meta));
        return sendJson(res, 200, listBody(rt, result.items, meta));
      }
      case "watch": {
        const opts = parseListOptions(q, 0);
        const minRv = requestedResourceVersion(opts.resourceVersion);
        if (minRv !== undefined) await awaitResourceVersion(this.svc.store, minRv);
        if (info.name !== "") opts.fieldSelector.push({ field: "metadata.name", op: "=", value: info.name });
        let encode: WatchObjectEncoder = jsonObjectEncoder();
        if (rep.kind === "table") {
          let first = true;
          const includeObject = parseIncludeObject(q.get("includeObject"));
          encode = (obj) => {
            const t = toTable(rt, [obj], { version: rep.version, includeObject, noHeaders: !first });
            first = false;
            return JSON.stringify(t);
          };
        } else if (rep.kind === "partial") {
          encode = (obj) => JSON.stringify(toPartial(obj, rep.version));
        }
        serveWatch(this.svc, req, res, {
          rt,
          namespace: ns,
          opts,
          encode,
          bookmarkIntervalMs: this.options.bookmarkIntervalMs,
          defaultTimeoutSeconds: this.options.defaultWatchTimeoutSeconds,
        });
        return;
      }
      case "create": {
        if (info.name !== "" || sub !== "") throw methodNotSupported(rt, "create");
        if (!rt.verbs.includes("create")) throw methodNotSupported(rt, "create");
        const body = parseObjectBody(req.headers["content-type"], await readBody(req), rt.kind);
        if (!isObject(body)) throw badRequest(`Object '${rt.kind}' is missing in the request body`);
        const obj = this.svc.create(rt, ns, body, ctx);
        await this.svc.store.flush();
        return sendJson(res, 201, renderObject(rt, obj, rep, q), ctx.warnings);
      }
      case "update": {
        const body = parseObjectBody(req.headers["content-type"], await readBody(req), rt.kind);
        if (!isObject(body)) throw badRequest(`Object '${rt.kind}' is missing in the request body`);
        let obj: KubeObject;
        if (sub === "scale") obj = this.updateScale(rt, ns, info.name, body, ctx);
        else if (sub === "finalize") obj = this.finalize(rt, info.name, body, ctx);
        else obj = this.svc.update(rt, ns, info.name, body, ctx, sub === "status" ? "status" : undefined);
        await this.svc.store.flush();
        if (sub === "scale") return sendJson(res, 200, scaleOf(rt, obj), ctx.warnings);
        return sendJson(res, 200, renderObject(rt, obj, rep, q), ctx.warnings);
      }
      case "patch": {
        const contentType = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
        const raw = (await readBody(req)).toString("utf8");
        const force = q.get("force") === "true";
        if (contentType === PATCH_TYPES.apply && !q.get("fieldManager")) {
          throw new ApiError(
            422,
            "Invalid",
            'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
            {
              group: "meta.k8s.io",
              kind: "PatchOptions",
              causes: [
                {
                  reason: "FieldValueRequired",
                  message: "Required value: is required for apply patch",
                  field: "fieldManager",
                },
              ],
            },
          );
        }
        if (sub === "scale") {
          const obj = this.patchScale(rt, ns, info.name, contentType, raw, ctx);
          await this.svc.store.flush();
          return sendJson(res, 200, scaleOf(rt, obj), ctx.warnings);
        }
        const { object, created } = patchObject(
          this.svc,
          rt,
          ns,
          info.name,
          contentType,
          raw,
          ctx,
          force,
          sub === "status" ? "status" : undefined,
        );
        await this.svc.store.flush();
        return sendJson(res, created ? 201 : 200, renderObject(rt, object, rep, q), ctx.warnings);
      }
      case "delete": {
        if (sub !== "") throw methodNotSupported(rt, "delete");
        const raw = await readBody(req);
        const body = raw.length === 0 ? undefined : parseObjectBody(req.headers["content-type"], raw, "DeleteOptions");
        const r = this.svc.delete(rt, ns, info.name, parseDeleteOptions(q, body), ctx);
        await this.svc.store.flush();
        return sendJson(res, r.code, renderObject(rt, r.body, rep, q), ctx.warnings);
      }
      case "deletecollection": {
        if (!rt.verbs.includes("deletecollection")) throw methodNotSupported(rt, "deletecollection");
        const raw = await readBody(req);
        const body = raw.length === 0 ? undefined : parseObjectBody(req.headers["content-type"], raw, "DeleteOptions");
        const opts = parseListOptions(q, 0);
        const items = this.svc.deleteCollection(rt, ns, opts, parseDeleteOptions(q, body), ctx);
        await this.svc.store.flush();
        return sendJson(
          res,
          200,
          listBody(rt, items, { resourceVersion: String(this.svc.store.currentRv) }),
          ctx.warnings,
        );
      }
      default:
        throw methodNotSupported(rt, info.verb);
    }
  }

  private updateScale(rt: ResourceType, ns: string, name: string, body: JsonObject, ctx: RequestContext): KubeObject {
    const current = this.svc.get(rt, ns, name);
    const rv = getPath(body, ["metadata", "resourceVersion"]);
    if (typeof rv === "string" && rv !== "" && rv !== current.metadata["resourceVersion"]) {
      throw new ApiError(
        409,
        "Conflict",
        `Operation cannot be fulfilled on ${rt.resource}${rt.group ? `.${rt.group}` : ""} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        { name, ...(rt.group ? { group: rt.group } : {}), kind: rt.resource },
      );
    }
    const replicas = getPath(body, ["spec", "replicas"]);
    const next = cloneJson(current);
    setPath(
      next,
      rt.scale!.specReplicasPath.split(".").filter((p) => p !== ""),
      typeof replicas === "number" ? replicas : 0,
    );
    return this.svc.commitUpdate(rt, objectKey(ns, name), current, next, ctx);
  }

  private patchScale(
    rt: ResourceType,
    ns: string,
    name: string,
    contentType: string,
    raw: string,
    ctx: RequestContext,
  ): KubeObject {
    const current = this.svc.get(rt, ns, name);
    const scale = scaleOf(rt, current);
    const patched = applyPatchToValue(scale, contentType, raw, UNTYPED);
    if (!isObject(patched)) throw badRequest("the patched Scale is not an object");
    return this.updateScale(rt, ns, name, patched, ctx);
  }

  private finalize(rt: ResourceType, name: string, body: JsonObject, ctx: RequestContext): KubeObject {
    const current = this.svc.get(rt, "", name);
    const next = cloneJson(current);
    const fins = getPath(body, ["spec", "finalizers"]);
    next["spec"] = { finalizers: Array.isArray(fins) ? fins : [] };
    return this.svc.commitUpdate(rt, objectKey("", name), current, next, ctx, "finalize");
  }
}
