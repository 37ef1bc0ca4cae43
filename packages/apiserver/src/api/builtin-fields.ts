import schemaJson from "../protobuf/schema.json" with { type: "json" };
import { isObject, type JsonObject, type JsonValue } from "../util/json.js";

type FieldSpec = [number, string, string, number];

const SCHEMA = schemaJson as unknown as Record<string, FieldSpec[]>;
const REPEATED = 1;
const INLINE = 8;

/** The Go package of a built-in group/version as the generated schema names it (`apps/v1`, `core/v1`). */
function packageOf(group: string, version: string): string {
  return `${group === "" ? "core" : (group.split(".")[0] ?? group)}/${version}`;
}

interface FieldInfo {
  kind: string;
  repeated: boolean;
}

const fieldCache = new Map<string, Map<string, FieldInfo>>();

/** JSON field names of a struct, with inline (embedded) structs flattened in. */
function fieldsOf(type: string): Map<string, FieldInfo> {
  let m = fieldCache.get(type);
  if (m) return m;
  m = new Map();
  for (const [, name, kind, flags] of SCHEMA[type] ?? []) {
    if (flags & INLINE && kind.startsWith("msg:")) {
      for (const [k, v] of fieldsOf(kind.slice(4))) m.set(k, v);
      continue;
    }
    m.set(name, { kind, repeated: (flags & REPEATED) !== 0 });
  }
  fieldCache.set(type, m);
  return m;
}

/** Tells whether the generated schema describes this built-in kind. */
export function hasBuiltinSchema(group: string, version: string, kind: string): boolean {
  return SCHEMA[`${packageOf(group, version)}.${kind}`] !== undefined;
}

function walkValue(value: JsonValue, kind: string, path: string, unknown: string[]): JsonValue {
  if (kind.startsWith("msg:")) return isObject(value) ? walkStruct(value, kind.slice(4), path, unknown, false) : value;
  if (kind.startsWith("map:") && isObject(value)) {
    const valueKind = kind.split(":").slice(2).join(":");
    if (valueKind === "string") {
      // Go decodes a null map value into the zero value of the element type.
      if (!Object.values(value).includes(null)) return value;
      const out: JsonObject = {};
      for (const [k, v] of Object.entries(value)) out[k] = v ?? "";
      return out;
    }
    if (!valueKind.startsWith("msg:")) return value;
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = walkValue(v, valueKind, `${path}[${k}]`, unknown);
    return out;
  }
  return value;
}

function walkStruct(obj: JsonObject, type: string, path: string, unknown: string[], top: boolean): JsonObject {
  const fields = fieldsOf(type);
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) {
    const p = path === "" ? k : `${path}.${k}`;
    if (top && (k === "apiVersion" || k === "kind")) {
      out[k] = v;
      continue;
    }
    const f = fields.get(k);
    if (!f) {
      unknown.push(p);
      continue;
    }
    // Decoding into a Go struct leaves a null field at its zero value, which is never serialized as null.
    if (v === null) continue;
    if (f.repeated && Array.isArray(v)) out[k] = v.map((item, i) => walkValue(item, f.kind, `${p}[${i}]`, unknown));
    else out[k] = walkValue(v, f.kind, p, unknown);
  }
  return out;
}

/**
 * Drops the fields a built-in kind does not have and the fields set to null (as decoding into the Go types
 * does; null values of string maps become ""), and returns the paths of the unknown fields (`spec.template.spec.containers[0].imagePullPolcy`) for strict field validation.
 */
export function pruneBuiltinFields(
  group: string,
  version: string,
  kind: string,
  obj: JsonObject,
): { object: JsonObject; unknown: string[] } {
  const type = `${packageOf(group, version)}.${kind}`;
  if (!SCHEMA[type]) return { object: obj, unknown: [] };
  const unknown: string[] = [];
  const object = walkStruct(obj, type, "", unknown, true);
  return { object, unknown };
}
