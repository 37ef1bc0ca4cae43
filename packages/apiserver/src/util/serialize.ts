import type { JsonObject } from "./json.js";

const cache = new WeakMap<object, string>();

/**
 * JSON text of an object, cached per object identity. Only for immutable objects (stored objects and the
 * version-converted views made of them), so a list or a watch fan-out serializes each object once.
 */
export function serializeCached(obj: JsonObject): string {
  let s = cache.get(obj);
  if (s === undefined) {
    s = JSON.stringify(obj);
    cache.set(obj, s);
  }
  return s;
}

/**
 * Parses JSON text (of an immutable object, as {@link serializeCached} made it) and caches the text for the new
 * object, so serializing it again gives the same text without work.
 */
export function parseCached(json: string): JsonObject {
  const obj = JSON.parse(json) as JsonObject;
  cache.set(obj, json);
  return obj;
}
