import { badRequest } from "../errors.js";
import { fieldType, itemType, type TypeNode } from "../schema/type-node.js";
import { cloneJson, isObject, type JsonObject, type JsonValue, jsonEqual } from "../util/json.js";

const DIRECTIVE = "$patch";
const RETAIN_KEYS = "$retainKeys";
const SET_ORDER = "$setElementOrder/";
const DELETE_PRIMITIVE = "$deleteFromPrimitiveList/";

/**
 * Applies a strategic merge patch (`application/strategic-merge-patch+json`) to an object of a built-in kind:
 * lists with a patch merge key merge by key, primitive lists with the merge strategy merge as sets, and the
 * `$patch`, `$retainKeys`, `$setElementOrder/` and `$deleteFromPrimitiveList/` directives are honoured.
 */
export function applyStrategicMergePatch(
  original: JsonObject,
  patch: JsonObject,
  type: TypeNode | undefined,
): JsonObject {
  const out = mergeMap(original, patch, type);
  return out ?? {};
}

function mergeMap(
  original: JsonObject | undefined,
  patch: JsonObject,
  type: TypeNode | undefined,
): JsonObject | undefined {
  const directive = patch[DIRECTIVE];
  if (directive === "delete") return undefined;
  if (directive === "replace") return stripDirectives(patch, type) as JsonObject;
  if (directive !== undefined && directive !== "merge") throw badRequest(`Unknown patch type: ${String(directive)}`);
  let out: JsonObject = original ? { ...original } : {};
  const retain = patch[RETAIN_KEYS];
  if (Array.isArray(retain)) {
    const keep = new Set(retain.map(String));
    const kept: JsonObject = {};
    for (const [k, v] of Object.entries(out)) if (keep.has(k)) kept[k] = v;
    out = kept;
  }
  const orders = new Map<string, JsonValue[]>();
  for (const [k, v] of Object.entries(patch)) {
    if (k === DIRECTIVE || k === RETAIN_KEYS) continue;
    if (k.startsWith(SET_ORDER)) {
      if (Array.isArray(v)) orders.set(k.slice(SET_ORDER.length), v);
      continue;
    }
    if (k.startsWith(DELETE_PRIMITIVE)) {
      const field = k.slice(DELETE_PRIMITIVE.length);
      const current = out[field];
      if (Array.isArray(current) && Array.isArray(v)) {
        out[field] = current.filter((x) => !v.some((d) => jsonEqual(d, x)));
      }
      continue;
    }
    const ft = fieldType(type, k);
    if (v === null) {
      delete out[k];
      continue;
    }
    const cur = out[k];
    if (isObject(v)) {
      const merged = mergeMap(isObject(cur) ? cur : undefined, v, ft);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else if (Array.isArray(v)) {
      out[k] = mergeList(Array.isArray(cur) ? cur : undefined, v, ft);
    } else {
      out[k] = v;
    }
  }
  for (const [field, order] of orders) {
    const list = out[field];
    if (Array.isArray(list)) out[field] = applyOrder(list, order, fieldType(type, field));
  }
  return out;
}

function mergeKeyOf(type: TypeNode | undefined): string | undefined {
  if (type?.kind !== "list") return undefined;
  if (type.patchStrategy === undefined || !type.patchStrategy.startsWith("merge")) return undefined;
  return type.mergeKey;
}

function isMergeList(type: TypeNode | undefined): boolean {
  return !!type && type.kind === "list" && type.patchStrategy?.startsWith("merge") === true;
}

function mergeList(original: JsonValue[] | undefined, patch: JsonValue[], type: TypeNode | undefined): JsonValue[] {
  const replace = patch.find((p) => isObject(p) && p[DIRECTIVE] === "replace");
  if (replace !== undefined) {
    return patch
      .filter((p) => !(isObject(p) && p[DIRECTIVE] === "replace"))
      .map((p) => stripDirectives(p, itemType(type)));
  }
  if (!isMergeList(type)) return patch.map((p) => stripDirectives(p, itemType(type)));
  const key = mergeKeyOf(type);
  const out = original ? [...original] : [];
  if (key === undefined || patch.every((p) => !isObject(p))) {
    // A set of primitives: add what is missing.
    for (const p of patch) if (!out.some((x) => jsonEqual(x, p))) out.push(p);
    return out;
  }
  for (const p of patch) {
    if (!isObject(p)) continue;
    const kv = p[key];
    const idx = out.findIndex((x) => isObject(x) && jsonEqual(x[key], kv));
    if (p[DIRECTIVE] === "delete") {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) {
      const merged = mergeMap(out[idx] as JsonObject, p, itemType(type));
      if (merged === undefined) out.splice(idx, 1);
      else out[idx] = merged;
    } else {
      out.push(stripDirectives(p, itemType(type)));
    }
  }
  return out;
}

function applyOrder(list: JsonValue[], order: JsonValue[], type: TypeNode | undefined): JsonValue[] {
  const key = mergeKeyOf(type);
  const identity = (v: JsonValue): JsonValue => (key !== undefined && isObject(v) ? (v[key] ?? null) : v);
  const orderIds = order.map((o) => (key !== undefined && isObject(o) ? (o[key] ?? null) : o));
  const position = (v: JsonValue): number => orderIds.findIndex((o) => jsonEqual(o, identity(v)));
  const ordered = list.filter((v) => position(v) >= 0).sort((a, b) => position(a) - position(b));
  const rest = list.filter((v) => position(v) < 0);
  return [...ordered, ...rest];
}

function stripDirectives(v: JsonValue, type: TypeNode | undefined): JsonValue {
  if (Array.isArray(v)) return v.map((x) => stripDirectives(x, itemType(type)));
  if (!isObject(v)) return cloneJson(v);
  const out: JsonObject = {};
  for (const [k, val] of Object.entries(v)) {
    if (k === DIRECTIVE || k === RETAIN_KEYS || k.startsWith(SET_ORDER) || k.startsWith(DELETE_PRIMITIVE)) continue;
    if (val === null) continue;
    out[k] = stripDirectives(val, fieldType(type, k));
  }
  return out;
}
