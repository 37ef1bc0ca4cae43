/** A JSON value as it travels through the API server. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

/** A JSON object (a Kubernetes object, a patch, a schema node). */
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Tells whether a value is a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Deep copy of a JSON value. */
export function cloneJson<T extends JsonValue>(value: T): T {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => cloneJson(v)) as T;
  const out: JsonObject = {};
  for (const key of Object.keys(value)) out[key] = cloneJson((value as JsonObject)[key] as JsonValue);
  return out as T;
}

/** Structural equality of two JSON values (key order ignored). */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ak = Object.keys(a);
  if (ak.length !== Object.keys(b).length) return false;
  for (const k of ak) {
    if (!Object.hasOwn(b, k) || !jsonEqual(a[k], b[k])) return false;
  }
  return true;
}

/** Reads a nested object field, or undefined when any step is missing or not an object. */
export function getPath(obj: JsonValue | undefined, path: readonly string[]): JsonValue | undefined {
  let cur: JsonValue | undefined = obj;
  for (const p of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

/** Sets a nested object field, creating intermediate objects. */
export function setPath(obj: JsonObject, path: readonly string[], value: JsonValue): void {
  let cur = obj;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    const next = cur[key];
    if (isObject(next)) cur = next;
    else {
      const created: JsonObject = {};
      cur[key] = created;
      cur = created;
    }
  }
  cur[path[path.length - 1]!] = value;
}

/** Returns the nested object at path, creating it when missing. */
export function ensureObject(obj: JsonObject, path: readonly string[]): JsonObject {
  let cur = obj;
  for (const key of path) {
    const next = cur[key];
    if (isObject(next)) cur = next;
    else {
      const created: JsonObject = {};
      cur[key] = created;
      cur = created;
    }
  }
  return cur;
}
