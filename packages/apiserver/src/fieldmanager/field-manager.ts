import { ApiError } from "../errors.js";
import type { TypeNode } from "../schema/type-node.js";
import { cloneJson, isObject, type JsonObject, type JsonValue } from "../util/json.js";
import { type KubeObject, kubeTime } from "../util/meta.js";
import { FieldSet, formatPath } from "./field-set.js";
import { compare, existingPaths, mergeApplied, removePaths, toFieldSet, withNamedFieldMembers } from "./typed-ops.js";

/** One managedFields entry with its field set decoded. */
export interface ManagerEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time?: string;
  subresource?: string;
  set: FieldSet;
}

/** What identifies the writer of a request. */
export interface WriterInfo {
  manager: string;
  apiVersion: string;
  /** `status` for writes to the status subresource. */
  subresource?: string;
  /** The structure of the kind (list keys, atomic maps). */
  type: TypeNode;
  /** True when the kind has a status subresource (the main resource then ignores status). */
  hasStatus: boolean;
}

const STRIPPED_META = [
  "name",
  "namespace",
  "creationTimestamp",
  "selfLink",
  "uid",
  "generation",
  "managedFields",
  "resourceVersion",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
];

/** The part of an object field management looks at (system fields and the other side of status removed). */
function managedView(obj: JsonObject, w: WriterInfo): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === "apiVersion" || k === "kind") continue;
    if (w.subresource === "status" && k !== "status") continue;
    if (w.subresource !== "status" && w.hasStatus && k === "status") continue;
    if (k === "metadata" && isObject(v)) {
      const meta: JsonObject = {};
      for (const [mk, mv] of Object.entries(v)) if (!STRIPPED_META.includes(mk)) meta[mk] = mv;
      if (Object.keys(meta).length > 0) out[k] = meta;
      continue;
    }
    out[k] = v;
  }
  return out;
}

/** Drops paths kube-apiserver never tracks: apiVersion, kind and the metadata node itself. */
function stripSystemPaths(set: FieldSet): FieldSet {
  set.children.delete("f:apiVersion");
  set.children.delete("f:kind");
  const meta = set.children.get("f:metadata");
  if (meta) meta.self = false;
  return set;
}

function entryId(e: { manager: string; operation: string; apiVersion: string; subresource?: string }): string {
  return JSON.stringify([e.manager, e.operation, e.operation === "Apply" ? "" : e.apiVersion, e.subresource ?? ""]);
}

/** Reads metadata.managedFields. */
export function decodeManagedFields(obj: JsonObject): ManagerEntry[] {
  const meta = obj["metadata"];
  const raw = isObject(meta) ? meta["managedFields"] : undefined;
  if (!Array.isArray(raw)) return [];
  const out: ManagerEntry[] = [];
  for (const r of raw) {
    if (!isObject(r)) continue;
    const e: ManagerEntry = {
      manager: typeof r["manager"] === "string" ? r["manager"] : "",
      operation: r["operation"] === "Apply" ? "Apply" : "Update",
      apiVersion: typeof r["apiVersion"] === "string" ? r["apiVersion"] : "",
      set: FieldSet.fromFieldsV1(r["fieldsV1"]),
    };
    if (typeof r["time"] === "string") e.time = r["time"];
    if (typeof r["subresource"] === "string" && r["subresource"] !== "") e.subresource = r["subresource"];
    out.push(e);
  }
  return out;
}

/** Writes entries back as metadata.managedFields in kube-apiserver's order (operation, time, manager). */
export function encodeManagedFields(entries: ManagerEntry[]): JsonValue[] {
  const live = entries.filter((e) => !e.set.isEmpty());
  live.sort((a, b) => {
    if (a.operation !== b.operation) return a.operation < b.operation ? -1 : 1;
    const ta = a.time ? Math.floor(Date.parse(a.time) / 1000) : 0;
    const tb = b.time ? Math.floor(Date.parse(b.time) / 1000) : 0;
    if (ta !== tb) return ta - tb;
    if (a.manager !== b.manager) return a.manager < b.manager ? -1 : 1;
    if (a.apiVersion !== b.apiVersion) return a.apiVersion < b.apiVersion ? -1 : 1;
    return (a.subresource ?? "") < (b.subresource ?? "") ? -1 : 1;
  });
  return live.map((e) => {
    const out: JsonObject = { manager: e.manager, operation: e.operation, apiVersion: e.apiVersion };
    if (e.time) out["time"] = e.time;
    out["fieldsType"] = "FieldsV1";
    out["fieldsV1"] = e.set.toFieldsV1();
    if (e.subresource) out["subresource"] = e.subresource;
    return out;
  });
}

function setManaged(obj: KubeObject, entries: ManagerEntry[]): void {
  const encoded = encodeManagedFields(entries);
  if (encoded.length > 0) obj.metadata["managedFields"] = encoded;
  else delete obj.metadata["managedFields"];
}

function requestedEntries(newObj: KubeObject, live: KubeObject | undefined): ManagerEntry[] {
  const fromRequest = newObj.metadata["managedFields"];
  if (Array.isArray(fromRequest) && fromRequest.length > 0) {
    // An explicit list replaces the tracked state (`[{}]` resets it).
    return decodeManagedFields(newObj).filter((e) => e.manager !== "" || !e.set.isEmpty());
  }
  return live ? decodeManagedFields(live) : [];
}

/**
 * Records a non-apply write (create, update, patch): the writer takes ownership of every field it added or
 * changed, other managers lose those fields, and removed fields are dropped from every manager.
 */
export function trackUpdate(live: KubeObject | undefined, newObj: KubeObject, w: WriterInfo): void {
  const entries = requestedEntries(newObj, live);
  const before = live ? managedView(live, w) : {};
  const after = managedView(newObj, w);
  const cmp = compare(before, after, w.type);
  const changed = stripSystemPaths(cmp.added.union(cmp.modified));
  const id = entryId({
    manager: w.manager,
    operation: "Update",
    apiVersion: w.apiVersion,
    ...(w.subresource ? { subresource: w.subresource } : {}),
  });
  let mine: ManagerEntry | undefined;
  for (const e of entries) {
    if (entryId(e) === id) mine = e;
    else e.set = e.set.difference(changed);
    e.set = e.set.difference(cmp.removed);
  }
  if (!changed.isEmpty()) {
    if (!mine) {
      mine = { manager: w.manager, operation: "Update", apiVersion: w.apiVersion, set: new FieldSet() };
      if (w.subresource) mine.subresource = w.subresource;
      entries.push(mine);
    }
    mine.set = mine.set.union(changed);
    mine.time = kubeTime();
  }
  setManaged(newObj, capUpdateManagers(entries.filter((e) => !e.set.isEmpty())));
}

/** Most Update entries kept per object; older ones merge into `ancient-changes` (kube-apiserver's cap). */
export const MAX_UPDATE_MANAGERS = 10;

/**
 * Merges the oldest Update entries into one `ancient-changes` bucket per apiVersion until at most
 * MAX_UPDATE_MANAGERS Update entries remain, as kube-apiserver does.
 */
export function capUpdateManagers(entries: ManagerEntry[]): ManagerEntry[] {
  const seconds = (e: ManagerEntry): number => (e.time ? Math.floor(Date.parse(e.time) / 1000) : 0);
  const updaters = entries.filter((e) => e.operation === "Update");
  if (updaters.length <= MAX_UPDATE_MANAGERS) return entries;
  updaters.sort((a, b) => seconds(a) - seconds(b) || (entryId(a) < entryId(b) ? -1 : 1));
  const removed = new Set<ManagerEntry>();
  const firstByVersion = new Map<string, ManagerEntry>();
  const buckets = new Map<string, ManagerEntry>();
  const out = [...entries];
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > MAX_UPDATE_MANAGERS; i++) {
    const e = updaters[i]!;
    const first = firstByVersion.get(e.apiVersion);
    if (!first) {
      firstByVersion.set(e.apiVersion, e);
      continue;
    }
    let bucket = buckets.get(e.apiVersion);
    if (!bucket) {
      bucket = { manager: "ancient-changes", operation: "Update", apiVersion: e.apiVersion, set: first.set };
      buckets.set(e.apiVersion, bucket);
      removed.add(first);
      out.push(bucket);
    }
    bucket.set = e.set.union(bucket.set);
    if (e.time) bucket.time = e.time;
    removed.add(e);
    length--;
  }
  return out.filter((e) => !removed.has(e));
}

/** A conflict of an apply with another manager's field. */
export interface ApplyConflict {
  manager: ManagerEntry;
  path: string[];
}

function printManager(e: ManagerEntry): string {
  let s = JSON.stringify(e.manager);
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === "Update") s += e.time ? ` using ${e.apiVersion} at ${e.time}` : ` using ${e.apiVersion}`;
  return s;
}

/** The 409 Conflict kube-apiserver answers for apply conflicts (causes name each field and manager). */
export function applyConflictError(conflicts: ApplyConflict[]): ApiError {
  const causes = conflicts.map((c) => ({
    reason: "FieldManagerConflict",
    message: `conflict with ${printManager(c.manager)}`,
    field: formatPath(c.path),
  }));
  let message: string;
  if (conflicts.length === 1) {
    const c = conflicts[0]!;
    message = `Apply failed with 1 conflict: conflict with ${printManager(c.manager)}: ${formatPath(c.path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const m = printManager(c.manager);
      byManager.set(m, [...(byManager.get(m) ?? []), formatPath(c.path)]);
    }
    const parts: string[] = [];
    for (const m of [...byManager.keys()].sort()) {
      parts.push(`conflicts with ${m}:`);
      for (const p of byManager.get(m)!) parts.push(`- ${p}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${parts.join("\n")}`;
  }
  return new ApiError(409, "Conflict", message, { causes });
}

/**
 * Server-side apply: merges `config` into `live` for manager `w.manager`, detects conflicts with other managers
 * (409 unless `force`), removes fields the manager applied before but no longer applies (when nobody else owns
 * them) and records the manager's new field set. Returns the new object (live is not modified).
 */
export function applyConfig(
  live: KubeObject,
  config: KubeObject,
  w: WriterInfo,
  force: boolean,
  liveExisted: boolean,
): KubeObject {
  const entries = liveExisted ? decodeManagedFields(live) : [];
  const configView = managedView(config, w);
  const configSet = stripSystemPaths(toFieldSet(configView, w.type));
  const liveView = managedView(live, w);
  const mergedView = mergeApplied(liveView, configView, w.type) as JsonObject;
  const cmp = compare(liveView, mergedView, w.type);
  const changed = cmp.modified.union(cmp.added).union(cmp.removed);
  const id = entryId({
    manager: w.manager,
    operation: "Apply",
    apiVersion: w.apiVersion,
    ...(w.subresource ? { subresource: w.subresource } : {}),
  });
  const mine = entries.find((e) => entryId(e) === id);
  const conflicts: ApplyConflict[] = [];
  for (const e of entries) {
    if (e === mine) continue;
    const overlap = e.set.intersection(changed).intersection(configSet);
    for (const p of overlap.paths()) conflicts.push({ manager: e, path: p });
  }
  if (conflicts.length > 0 && !force) throw applyConflictError(conflicts);
  for (const e of entries) {
    if (e !== mine) e.set = e.set.difference(configSet.intersection(changed));
  }
  // Fields this manager applied before and dropped now are removed unless someone else still owns them.
  let resultView: JsonObject = mergedView;
  if (mine) {
    // Named struct fields count as owned (structured-merge-diff), so a dropped struct goes as a whole.
    const named = (set: FieldSet) => withNamedFieldMembers(set, w.type);
    const dropped = named(mine.set).difference(named(configSet));
    let keep = named(configSet);
    for (const e of entries) if (e !== mine) keep = keep.union(named(e.set));
    if (!dropped.isEmpty()) resultView = removePaths(mergedView, w.type, dropped, keep) as JsonObject;
  }
  const result = rebuild(live, resultView, w);
  let entry = mine;
  if (!entry) {
    entry = { manager: w.manager, operation: "Apply", apiVersion: w.apiVersion, set: configSet };
    if (w.subresource) entry.subresource = w.subresource;
    entries.push(entry);
  }
  entry.set = configSet;
  entry.apiVersion = w.apiVersion;
  entry.time = kubeTime();
  for (const e of entries) e.set = existingPaths(e.set, managedView(result, w), w.type);
  setManaged(result, entries);
  return result;
}

/** Puts a managed view back together with the fields it left out (system metadata, the other side of status). */
function rebuild(live: KubeObject, view: JsonObject, w: WriterInfo): KubeObject {
  const out: JsonObject = {};
  if (live["apiVersion"] !== undefined) out["apiVersion"] = live["apiVersion"];
  if (live["kind"] !== undefined) out["kind"] = live["kind"];
  const meta: JsonObject = {};
  for (const k of STRIPPED_META) if (live.metadata[k] !== undefined) meta[k] = live.metadata[k];
  const viewMeta = view["metadata"];
  if (isObject(viewMeta)) Object.assign(meta, viewMeta);
  out["metadata"] = meta;
  for (const [k, v] of Object.entries(view)) if (k !== "metadata") out[k] = v;
  for (const [k, v] of Object.entries(live)) {
    if (k === "apiVersion" || k === "kind" || k === "metadata") continue;
    const inView = w.subresource === "status" ? k === "status" : !(w.hasStatus && k === "status");
    if (!inView) out[k] = cloneJson(v);
  }
  return out as KubeObject;
}
