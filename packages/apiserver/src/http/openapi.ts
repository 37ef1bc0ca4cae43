import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ResourceRegistry } from "../resources/registry.js";
import type { ResourceType } from "../resources/resource-type.js";
import { builtinDefinitionName, definitionJson, reachableDefinitions } from "../schema/builtin-openapi.js";
import { isObject, type JsonObject, type JsonValue } from "../util/json.js";
import { sendContent } from "./conditional-get.js";

/** Supplies the OpenAPI v3 schema of a served kind (CRD schemas); undefined for schemaless kinds. */
export type SchemaSource = (rt: ResourceType) => JsonObject | undefined;

const PATCH_PARAMS = ["dryRun", "fieldManager", "fieldValidation", "force"];
const WRITE_PARAMS = ["dryRun", "fieldManager", "fieldValidation"];
const LIST_PARAMS = [
  "allowWatchBookmarks",
  "continue",
  "fieldSelector",
  "labelSelector",
  "limit",
  "resourceVersion",
  "resourceVersionMatch",
  "sendInitialEvents",
  "timeoutSeconds",
  "watch",
];

function queryParams(names: string[]): JsonValue[] {
  return names.map((name) => ({
    name,
    in: "query",
    description: `${name} query parameter`,
    schema: {
      type:
        name === "limit" || name === "timeoutSeconds"
          ? "integer"
          : name === "force" || name === "watch" || name === "allowWatchBookmarks" || name === "sendInitialEvents"
            ? "boolean"
            : "string",
      uniqueItems: true,
    },
  }));
}

/** `com.example.v1.Widget` — the schema name kube-apiserver publishes for a kind. */
export function schemaName(rt: { group: string; version: string; kind: string; crdName?: string }): string {
  if (rt.crdName === undefined) {
    const builtin = builtinDefinitionName(rt.group, rt.version, rt.kind);
    if (builtin) return builtin;
  }
  const group = rt.group === "" ? "io.k8s.api.core" : rt.group.split(".").reverse().join(".");
  return `${group}.${rt.version}.${rt.kind}`;
}

function gvk(rt: ResourceType): JsonObject {
  return { group: rt.group, version: rt.version, kind: rt.kind };
}

function op(rt: ResourceType, action: string, description: string, extra: JsonObject = {}): JsonObject {
  const ref = { $ref: `#/components/schemas/${schemaName(rt)}` };
  return {
    description,
    operationId: `${action}${rt.kind}`,
    responses: { "200": { description: "OK", content: { "application/json": { schema: ref } } } },
    "x-kubernetes-action": action,
    "x-kubernetes-group-version-kind": gvk(rt),
    ...extra,
  };
}

function pathsFor(rt: ResourceType): Record<string, JsonObject> {
  const prefix = rt.group === "" ? `/api/${rt.version}` : `/apis/${rt.group}/${rt.version}`;
  const base = rt.namespaced ? `${prefix}/namespaces/{namespace}/${rt.resource}` : `${prefix}/${rt.resource}`;
  const pathParams: JsonValue[] = [];
  if (rt.namespaced)
    pathParams.push({ name: "namespace", in: "path", required: true, schema: { type: "string", uniqueItems: true } });
  const nameParam = { name: "name", in: "path", required: true, schema: { type: "string", uniqueItems: true } };
  const bodyRef = { $ref: `#/components/schemas/${schemaName(rt)}` };
  // Strategic merge patch is not advertised: clients then use their built-in structure (built-in kinds) or a
  // JSON merge patch (custom resources), which is what they would compute from the full schemas.
  const patchBody = {
    content: {
      "application/json-patch+json": { schema: { type: "object" } },
      "application/merge-patch+json": { schema: { type: "object" } },
      "application/apply-patch+yaml": { schema: { type: "object" } },
    },
    required: true,
  };
  const item = `${base}/{name}`;
  const out: Record<string, JsonObject> = {
    [base]: {
      get: op(rt, "list", `list or watch objects of kind ${rt.kind}`, { parameters: queryParams(LIST_PARAMS) }),
      post: op(rt, "post", `create a ${rt.kind}`, {
        parameters: queryParams(WRITE_PARAMS),
        requestBody: { content: { "*/*": { schema: bodyRef } }, required: true },
      }),
      delete: op(rt, "deletecollection", `delete collection of ${rt.kind}`, { parameters: queryParams(LIST_PARAMS) }),
      parameters: pathParams,
    },
    [item]: {
      get: op(rt, "get", `read the specified ${rt.kind}`),
      put: op(rt, "put", `replace the specified ${rt.kind}`, {
        parameters: queryParams(WRITE_PARAMS),
        requestBody: { content: { "*/*": { schema: bodyRef } }, required: true },
      }),
      patch: op(rt, "patch", `partially update the specified ${rt.kind}`, {
        parameters: queryParams(PATCH_PARAMS),
        requestBody: patchBody,
      }),
      delete: op(rt, "delete", `delete a ${rt.kind}`, {
        parameters: queryParams(["dryRun", "gracePeriodSeconds", "propagationPolicy"]),
      }),
      parameters: [...pathParams, nameParam],
    },
  };
  if (rt.hasStatus) {
    out[`${item}/status`] = {
      get: op(rt, "get", `read status of the specified ${rt.kind}`),
      put: op(rt, "put", `replace status of the specified ${rt.kind}`, {
        parameters: queryParams(WRITE_PARAMS),
        requestBody: { content: { "*/*": { schema: bodyRef } }, required: true },
      }),
      patch: op(rt, "patch", `partially update status of the specified ${rt.kind}`, {
        parameters: queryParams(PATCH_PARAMS),
        requestBody: patchBody,
      }),
      parameters: [...pathParams, nameParam],
    };
  }
  return out;
}

const META_DESCRIPTIONS = {
  apiVersion:
    "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
  kind: "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
  metadata:
    "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
};

function kindSchema(rt: ResourceType, source: SchemaSource): JsonObject {
  const given = source(rt);
  const schema: JsonObject = given ? { ...given } : { type: "object", "x-kubernetes-preserve-unknown-fields": true };
  const props: JsonObject = { ...((schema["properties"] as JsonObject | undefined) ?? {}) };
  props["apiVersion"] = { type: "string", description: META_DESCRIPTIONS.apiVersion };
  props["kind"] = { type: "string", description: META_DESCRIPTIONS.kind };
  props["metadata"] = { type: "object", description: META_DESCRIPTIONS.metadata };
  schema["properties"] = props;
  if (schema["type"] === undefined) schema["type"] = "object";
  schema["x-kubernetes-group-version-kind"] = [gvk(rt)];
  return schema;
}

/**
 * A built-in definition in OpenAPI v3 form: references point into `#/components/schemas` and, where the field
 * has its own description, are wrapped in `allOf` as kube-apiserver publishes them.
 */
export function toOpenApiV3(schema: JsonValue): JsonValue {
  if (Array.isArray(schema)) return schema.map(toOpenApiV3);
  if (!isObject(schema)) return schema;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === "$ref" && typeof v === "string") out[k] = v.replace("#/definitions/", "#/components/schemas/");
    else if (k === "properties" && isObject(v)) {
      const props: JsonObject = {};
      for (const [name, p] of Object.entries(v)) {
        const converted = toOpenApiV3(p);
        // kube-apiserver publishes a field that is a reference as allOf, next to the field's own description.
        props[name] =
          isObject(converted) && typeof converted["$ref"] === "string"
            ? { allOf: [{ $ref: converted["$ref"] }] }
            : converted;
      }
      out[k] = props;
    } else out[k] = toOpenApiV3(v);
  }
  if (typeof out["$ref"] === "string" && Object.keys(out).length > 1) {
    const ref = out["$ref"];
    delete out["$ref"];
    out["allOf"] = [{ $ref: ref }];
  }
  if (out["format"] === "int-or-string") {
    delete out["type"];
    delete out["format"];
    out["x-kubernetes-int-or-string"] = true;
    out["anyOf"] = [{ type: "integer" }, { type: "string" }];
  }
  return out;
}

/** The built-in definitions a set of kinds needs (their own and every one they reference), by name. */
export function builtinDefinitions(rts: ResourceType[], version: "v2" | "v3"): JsonObject {
  const roots = new Map<string, ResourceType[]>();
  for (const rt of rts) {
    if (rt.crdName !== undefined) continue;
    const name = builtinDefinitionName(rt.group, rt.version, rt.kind);
    if (name) roots.set(name, [...(roots.get(name) ?? []), rt]);
  }
  const out: JsonObject = {};
  for (const name of [...reachableDefinitions([...roots.keys()])].sort()) {
    const def = definitionJson(name);
    if (!def) continue;
    const schema = (version === "v3" ? toOpenApiV3(def) : { ...def }) as JsonObject;
    const kinds = roots.get(name);
    if (kinds) schema["x-kubernetes-group-version-kind"] = kinds.map(gvk);
    out[name] = schema;
  }
  return out;
}

/**
 * Serves `/openapi/v3` (the index of group/versions) and `/openapi/v3/<api|apis/...>` documents: paths with
 * the operations and query parameters clients look for (fieldValidation support), and component schemas of
 * every kind (CRD schemas in full) for `kubectl explain`. Documents are rebuilt when the served set changes.
 */
export class OpenApiV3 {
  private cache = new Map<string, OpenApiDocument>();

  constructor(
    private readonly registry: ResourceRegistry,
    private readonly source: SchemaSource,
  ) {
    registry.on("change", () => {
      this.cache = new Map();
    });
  }

  private groupVersions(): { key: string; group: string; version: string }[] {
    const out: { key: string; group: string; version: string }[] = [{ key: "api/v1", group: "", version: "v1" }];
    for (const g of this.registry.groups()) {
      for (const v of g.versions) out.push({ key: `apis/${g.name}/${v}`, group: g.name, version: v });
    }
    return out;
  }

  private document(group: string, version: string): OpenApiDocument {
    const key = `${group}/${version}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const paths: Record<string, JsonObject> = {};
    const schemas: JsonObject = {};
    const rts = this.registry.inGroupVersion(group, version);
    const builtins = builtinDefinitions(rts, "v3");
    for (const rt of rts) {
      Object.assign(paths, pathsFor(rt));
      if (rt.crdName === undefined && builtins[schemaName(rt)] !== undefined) continue;
      schemas[schemaName(rt)] = kindSchema(rt, this.source);
    }
    Object.assign(schemas, builtins);
    const doc = { openapi: "3.0.0", info: { title: "Kubernetes", version: "v1.33.0" }, paths, components: { schemas } };
    const body = JSON.stringify(doc);
    const entry = { body, hash: sha512Hex(body), lastModified: new Date() };
    this.cache.set(key, entry);
    return entry;
  }

  /**
   * Answers an /openapi/v3 request as kube-openapi's handler3 does; false when the path is not an OpenAPI v3
   * path. The index lists each document's URL with `?hash=<ETag>`; a request with the current hash may be cached
   * for good (`Cache-Control: public, immutable`, Expires in a year), one with an old hash is redirected (301)
   * to the current URL, and If-None-Match/If-Modified-Since get 304.
   */
  serve(path: string, req: IncomingMessage, res: ServerResponse): boolean {
    if (path === "/openapi/v3") {
      const paths: JsonObject = {};
      let lastModified = new Date(0);
      for (const gv of this.groupVersions()) {
        const doc = this.document(gv.group, gv.version);
        paths[gv.key] = { serverRelativeURL: serverRelativeUrl(gv.key, doc.hash) };
        if (doc.lastModified > lastModified) lastModified = doc.lastModified;
      }
      const body = JSON.stringify({ paths });
      sendContent(req, res, body, "application/json", sha512Hex(body), lastModified, {});
      return true;
    }
    const m = /^\/openapi\/v3\/(api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
    if (!m) return false;
    const group = m[2] ? "" : m[3]!;
    const version = m[2] ?? m[4]!;
    if (this.registry.inGroupVersion(group, version).length === 0) return false;
    if (!acceptsJson(req.headers.accept)) {
      // handler3 answers an Accept it cannot serve with a bare 406 (the protobuf form is not served here).
      res.writeHead(406, { Vary: "Accept", "Cache-Control": "no-cache, private" });
      res.end();
      return true;
    }
    const doc = this.document(group, version);
    const hash = new URL(req.url ?? "/", "http://localhost").searchParams.get("hash") ?? "";
    const headers: Record<string, string> = { Vary: "Accept" };
    if (hash !== "") {
      if (hash !== doc.hash) {
        const location = serverRelativeUrl(m[1]!, doc.hash);
        res.writeHead(301, {
          ...headers,
          "Cache-Control": "no-cache, private",
          Location: location,
          "Content-Type": "text/html; charset=utf-8",
          Etag: `"${doc.hash}"`,
        });
        res.end(`<a href="${location}">Moved Permanently</a>.\n`);
        return true;
      }
      headers["Cache-Control"] = "public, immutable";
      headers["Expires"] = new Date(Date.now() + 365 * 24 * 3600 * 1000).toUTCString();
    }
    sendContent(req, res, doc.body, "application/json", doc.hash, doc.lastModified, headers);
    return true;
  }
}

interface OpenApiDocument {
  body: string;
  /** Upper-case hex SHA-512 of the body: the ETag and the `hash` of its URL, as kube-openapi computes them. */
  hash: string;
  lastModified: Date;
}

function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === "") return true;
  return accept
    .split(",")
    .map((part) => (part.split(";")[0] ?? "").trim().toLowerCase())
    .some((t) => t === "application/json" || t === "application/*" || t === "*/*");
}

function sha512Hex(body: string): string {
  return createHash("sha512").update(body).digest("hex").toUpperCase();
}

function serverRelativeUrl(key: string, hash: string): string {
  return `/openapi/v3/${key}?hash=${hash}`;
}
