import fastJsonPatch from "fast-json-patch";
import { parse as parseYaml } from "yaml";
import { ApiError, badRequest, conflict, notFound, OBJECT_MODIFIED, unsupportedMediaType } from "../errors.js";
import { applyMergePatch } from "../patch/merge-patch.js";
import { applyStrategicMergePatch } from "../patch/strategic-merge-patch.js";
import { apiVersionOf, type ResourceType, storageKeyOf } from "../resources/resource-type.js";
import type { TypeNode } from "../schema/type-node.js";
import { objectKey } from "../store/object-store.js";
import { cloneJson, isObject, type JsonObject, type JsonValue } from "../util/json.js";
import type { KubeObject } from "../util/meta.js";
import type { RequestContext } from "./request-context.js";
import type { ResourceService } from "./resource-service.js";

/** The patch content types kube-apiserver accepts. */
export const PATCH_TYPES = {
  json: "application/json-patch+json",
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
  applyCbor: "application/apply-patch+cbor",
} as const;

/** Parses a request body as JSON, or YAML for apply patches. */
export function parsePatchBody(contentType: string, raw: string): JsonValue {
  try {
    if (contentType === PATCH_TYPES.apply) return parseApplyBody(raw);
    return JSON.parse(raw) as JsonValue;
  } catch (err: unknown) {
    const msg = err instanceof Error ? err.message : String(err);
    if (contentType === PATCH_TYPES.apply) throw badRequest(`error decoding YAML: ${msg}`);
    throw badRequest(`error decoding patch: ${msg}`);
  }
}

/**
 * An apply patch is YAML, but clients (kubectl, client-go, our runtime) send JSON, a YAML subset that
 * JSON.parse reads with the same result at a fraction of the YAML parser's cost; anything else is YAML.
 */
function parseApplyBody(raw: string): JsonValue {
  if (raw.trimStart().startsWith("{")) {
    try {
      return JSON.parse(raw) as JsonValue;
    } catch {
      // YAML flow mappings start with "{" too: the YAML parser decides, and words the error.
    }
  }
  return (parseYaml(raw) ?? {}) as JsonValue;
}

/** Applies a JSON, merge or strategic merge patch (not apply) to a value; errors as kube-apiserver reports them. */
export function applyPatchToValue(
  current: JsonObject,
  contentType: string,
  raw: string,
  type: TypeNode,
  parsed?: JsonValue,
): JsonValue {
  const body = parsed ?? parsePatchBody(contentType, raw);
  switch (contentType) {
    case PATCH_TYPES.json: {
      if (!Array.isArray(body)) throw badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
      try {
        const ops = body as unknown as fastJsonPatch.Operation[];
        return fastJsonPatch.applyPatch(cloneJson(current), ops, true, true).newDocument as JsonValue;
      } catch (err: unknown) {
        const msg = err instanceof Error ? (err.message.split("\n")[0] ?? err.message) : String(err);
        throw new ApiError(422, "Invalid", msg);
      }
    }
    case PATCH_TYPES.merge:
      if (!isObject(body)) throw badRequest("error decoding patch: the patch must be a JSON object");
      return applyMergePatch(current, body);
    case PATCH_TYPES.strategic:
      if (!isObject(body)) throw badRequest("error decoding patch: the patch must be a JSON object");
      return applyStrategicMergePatch(current, body, type);
    default:
      throw unsupportedMediaType([PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.strategic]);
  }
}

/** A patched object must keep the namespace of the request (kube-apiserver's `checkName`, 400 otherwise). */
function checkNamespace(rt: ResourceType, meta: JsonObject, namespace: string): void {
  const ns = meta["namespace"];
  if (rt.namespaced && typeof ns === "string" && ns !== "" && ns !== namespace) {
    throw badRequest(`the namespace of the object (${ns}) does not match the namespace on the request (${namespace})`);
  }
}

/** A patched object must keep the name of the URL (kube-apiserver's `checkName`, 400 otherwise). */
function checkName(rt: ResourceType, meta: JsonObject, namespace: string, name: string): void {
  const objName = meta["name"];
  if (typeof objName !== "string" || objName === "") {
    throw badRequest(`the name of the object (${name} based on URL) was undeterminable: name must be provided`);
  }
  if (objName !== name) {
    throw badRequest(`the name of the object (${objName}) does not match the name on the URL (${name})`);
  }
  checkNamespace(rt, meta, namespace);
}

/**
 * Applies a PATCH request of any supported type and commits the result (server-side apply creates the object
 * when absent). Returns the object and whether it was created (201).
 */
export function patchObject(
  svc: ResourceService,
  rt: ResourceType,
  namespace: string,
  name: string,
  contentType: string,
  raw: string,
  ctx: RequestContext,
  force: boolean,
  subresource?: string,
): { object: KubeObject; created: boolean } {
  const accepted =
    rt.crdName !== undefined
      ? [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.apply, PATCH_TYPES.applyCbor]
      : [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.strategic, PATCH_TYPES.apply, PATCH_TYPES.applyCbor];
  if (!(accepted as string[]).includes(contentType) || contentType === PATCH_TYPES.applyCbor) {
    throw unsupportedMediaType(accepted);
  }
  if (contentType !== PATCH_TYPES.apply && force) {
    throw badRequest("force: Invalid value: true: may not be specified for non-apply patch");
  }
  const body = parsePatchBody(contentType, raw);
  if (contentType === PATCH_TYPES.apply) {
    if (!isObject(body)) throw badRequest("error decoding YAML: the applied configuration must be an object");
    if (isObject(body["metadata"])) checkNamespace(rt, body["metadata"], namespace);
    return svc.apply(rt, namespace, name, body, ctx, force, subresource);
  }
  const key = objectKey(rt.namespaced ? namespace : "", name);
  const stored = svc.store.get(storageKeyOf(rt), key);
  if (!stored) throw notFound(rt, name);
  const current = svc.toVersion(rt, stored);
  const patched = applyPatchToValue(current, contentType, raw, svc.typeOf(rt), body);
  if (!isObject(patched)) throw badRequest("the patched object is not an object");
  const meta = isObject(patched["metadata"]) ? patched["metadata"] : {};
  patched["metadata"] = meta;
  const rv = meta["resourceVersion"];
  if (typeof rv === "string" && rv !== "" && rv !== current.metadata["resourceVersion"]) {
    throw conflict(rt, name, OBJECT_MODIFIED);
  }
  checkName(rt, meta, namespace, name);
  if (patched["apiVersion"] !== apiVersionOf(rt) || patched["kind"] !== rt.kind) {
    patched["apiVersion"] = apiVersionOf(rt);
    patched["kind"] = rt.kind;
  }
  const object = svc.commitUpdate(rt, key, current, patched as KubeObject, ctx, subresource);
  return { object, created: false };
}
