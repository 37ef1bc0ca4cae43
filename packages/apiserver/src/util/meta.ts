import { isObject, type JsonObject, type JsonValue } from "./json.js";

/** The metadata fields the server reads and writes on every object. */
export interface ObjectMeta extends JsonObject {}

/** A stored Kubernetes object: apiVersion, kind, metadata and any other fields. */
export interface KubeObject extends JsonObject {
  metadata: ObjectMeta;
}

/** Returns the object's metadata, creating an empty one when missing. */
export function metaOf(obj: JsonObject): ObjectMeta {
  const m = obj["metadata"];
  if (isObject(m)) return m;
  const created: ObjectMeta = {};
  obj["metadata"] = created;
  return created;
}

/** Reads a string metadata field. */
export function metaString(obj: JsonObject, field: string): string | undefined {
  const m = obj["metadata"];
  if (!isObject(m)) return undefined;
  const v = m[field];
  return typeof v === "string" ? v : undefined;
}

/** Reads a string map (labels, annotations) from metadata. */
export function metaMap(obj: JsonObject, field: "labels" | "annotations"): Record<string, string> {
  const m = obj["metadata"];
  if (!isObject(m)) return {};
  const v = m[field];
  if (!isObject(v)) return {};
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) if (typeof val === "string") out[k] = val;
  return out;
}

/** Reads metadata.finalizers as strings. */
export function finalizersOf(obj: JsonObject): string[] {
  const v = isObject(obj["metadata"]) ? obj["metadata"]["finalizers"] : undefined;
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/** An owner reference as stored in metadata.ownerReferences. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** Reads metadata.ownerReferences. */
export function ownerReferencesOf(obj: JsonObject): OwnerReference[] {
  const v = isObject(obj["metadata"]) ? obj["metadata"]["ownerReferences"] : undefined;
  if (!Array.isArray(v)) return [];
  const out: OwnerReference[] = [];
  for (const r of v) {
    if (!isObject(r)) continue;
    const { apiVersion, kind, name, uid } = r;
    if (typeof apiVersion !== "string" || typeof kind !== "string" || typeof name !== "string") continue;
    if (typeof uid !== "string") continue;
    const ref: OwnerReference = { apiVersion, kind, name, uid };
    if (typeof r["controller"] === "boolean") ref.controller = r["controller"];
    if (typeof r["blockOwnerDeletion"] === "boolean") ref.blockOwnerDeletion = r["blockOwnerDeletion"];
    out.push(ref);
  }
  return out;
}

/** Formats a Date the way Kubernetes writes metav1.Time (RFC 3339, seconds precision, UTC). */
export function kubeTime(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Formats a Date as metav1.MicroTime (RFC 3339 with microseconds). */
export function kubeMicroTime(date: Date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** Splits an apiVersion into group and version ("v1" → ["", "v1"]). */
export function splitApiVersion(apiVersion: string): [group: string, version: string] {
  const i = apiVersion.lastIndexOf("/");
  return i < 0 ? ["", apiVersion] : [apiVersion.slice(0, i), apiVersion.slice(i + 1)];
}

/** Joins group and version into an apiVersion ("", "v1" → "v1"). */
export function joinApiVersion(group: string, version: string): string {
  return group === "" ? version : `${group}/${version}`;
}

/** Narrow helper: a JSON value as a string or undefined. */
export function asString(v: JsonValue | undefined): string | undefined {
  return typeof v === "string" ? v : undefined;
}
