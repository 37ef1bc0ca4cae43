import { fieldType, itemType, type ListNode, type TypeNode } from "../schema/type-node.js";
import { cloneJson, isObject, type JsonObject, type JsonValue, jsonEqual } from "../util/json.js";
import { FieldSet, fieldPe, indexPe, keyPe, valuePe } from "./field-set.js";

function isAtomic(node: TypeNode | undefined): boolean {
  return node !== undefined && node.kind === "map" && node.atomic === true;
}

function listKind(node: TypeNode | undefined): ListNode["listType"] {
  return node && node.kind === "list" ? node.listType : "atomic";
}

/** Path element identifying a list item (key for list-maps, value for sets, index otherwise). */
export function itemPe(node: TypeNode | undefined, item: JsonValue, index: number): string {
  if (node && node.kind === "list") {
    if (node.listType === "map" && isObject(item) && node.keys) return keyPe(item, node.keys);
    if (node.listType === "set") return valuePe(item);
  }
  return indexPe(index);
}

/**
 * The field set of a value as server-side apply records it for an applier: every leaf, every list item (as a
 * node of its own) and every atomic value; maps are reached through their fields.
 */
export function toFieldSet(value: JsonValue, type: TypeNode | undefined): FieldSet {
  const set = new FieldSet();
  walkToSet(value, type, [], set);
  return set;
}

function walkToSet(value: JsonValue, type: TypeNode | undefined, path: string[], set: FieldSet): void {
  if (isObject(value) && !isAtomic(type)) {
    for (const [k, v] of Object.entries(value)) walkToSet(v, fieldType(type, k), [...path, fieldPe(k)], set);
    return;
  }
  if (Array.isArray(value) && listKind(type) !== "atomic") {
    value.forEach((item, i) => {
      const p = [...path, itemPe(type, item, i)];
      set.insert(p);
      if (listKind(type) === "map") walkToSet(item, itemType(type), p, set);
    });
    return;
  }
  if (path.length > 0) set.insert(path);
}

/** Paths that differ between two values: added, modified and removed, as structured-merge-diff compares. */
export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** Compares two values of the same type. */
export function compare(
  lhs: JsonValue | undefined,
  rhs: JsonValue | undefined,
  type: TypeNode | undefined,
): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  walkCompare(lhs, rhs, type, [], c);
  return c;
}

function insertAll(value: JsonValue, type: TypeNode | undefined, path: string[], set: FieldSet): void {
  if (path.length > 0) set.insert(path);
  if (isObject(value) && !isAtomic(type)) {
    for (const [k, v] of Object.entries(value)) insertAll(v, fieldType(type, k), [...path, fieldPe(k)], set);
  } else if (Array.isArray(value) && listKind(type) !== "atomic") {
    value.forEach((item, i) => {
      const p = [...path, itemPe(type, item, i)];
      if (listKind(type) === "map") insertAll(item, itemType(type), p, set);
      else set.insert(p);
    });
  }
}

function listItems(value: JsonValue[], type: TypeNode | undefined): Map<string, JsonValue> {
  const out = new Map<string, JsonValue>();
  value.forEach((item, i) => {
    out.set(itemPe(type, item, i), item);
  });
  return out;
}

function walkCompare(
  lhs: JsonValue | undefined,
  rhs: JsonValue | undefined,
  type: TypeNode | undefined,
  path: string[],
  c: Comparison,
): void {
  if (lhs === undefined && rhs === undefined) return;
  if (lhs === undefined) {
    insertAll(rhs!, type, path, c.added);
    return;
  }
  if (rhs === undefined) {
    insertAll(lhs, type, path, c.removed);
    return;
  }
  if (isObject(lhs) && isObject(rhs) && !isAtomic(type)) {
    const keys = new Set([...Object.keys(lhs), ...Object.keys(rhs)]);
    for (const k of keys) walkCompare(lhs[k], rhs[k], fieldType(type, k), [...path, fieldPe(k)], c);
    return;
  }
  if (Array.isArray(lhs) && Array.isArray(rhs) && listKind(type) !== "atomic") {
    const l = listItems(lhs, type);
    const r = listItems(rhs, type);
    const isMap = listKind(type) === "map";
    for (const [pe, li] of l) {
      const ri = r.get(pe);
      if (ri === undefined) insertAll(li, isMap ? itemType(type) : { kind: "scalar" }, [...path, pe], c.removed);
      else if (isMap) walkCompare(li, ri, itemType(type), [...path, pe], c);
    }
    for (const [pe, ri] of r) {
      if (!l.has(pe)) insertAll(ri, isMap ? itemType(type) : { kind: "scalar" }, [...path, pe], c.added);
    }
    return;
  }
  if (!jsonEqual(lhs, rhs) && path.length > 0) c.modified.insert(path);
}

/**
 * Merges an applied configuration into a live value: maps field by field, list-maps by key, sets by value,
 * atomic values replaced by the configuration.
 */
export function mergeApplied(live: JsonValue | undefined, config: JsonValue, type: TypeNode | undefined): JsonValue {
  if (live === undefined) return cloneJson(config);
  if (isObject(live) && isObject(config) && !isAtomic(type)) {
    const out: JsonObject = { ...live };
    for (const [k, v] of Object.entries(config)) out[k] = mergeApplied(live[k], v, fieldType(type, k));
    return out;
  }
  if (Array.isArray(live) && Array.isArray(config) && listKind(type) !== "atomic") {
    const isMap = listKind(type) === "map";
    const cfg = listItems(config, type);
    const out: JsonValue[] = [];
    const seen = new Set<string>();
    live.forEach((item, i) => {
      const pe = itemPe(type, item, i);
      const c = cfg.get(pe);
      seen.add(pe);
      if (c === undefined) out.push(item);
      else out.push(isMap ? mergeApplied(item, c, itemType(type)) : c);
    });
    for (const [pe, c] of cfg) if (!seen.has(pe)) out.push(cloneJson(c));
    return out;
  }
  return cloneJson(config);
}

/**
 * Removes the `dropped` paths (fields, list items, set values) from a value, except where `keep` still owns the
 * path or something below it (then only the unowned descendants go), as server-side apply prunes.
 */
export function removePaths(
  value: JsonValue,
  type: TypeNode | undefined,
  dropped: FieldSet,
  keep: FieldSet,
): JsonValue {
  return prune(value, type, dropped, keep);
}

function removable(dropped: FieldSet, keep: FieldSet | undefined): boolean {
  return dropped.self && (keep === undefined || keep.isEmpty());
}

function prune(value: JsonValue, type: TypeNode | undefined, node: FieldSet, keep: FieldSet | undefined): JsonValue {
  if (isObject(value) && !isAtomic(type)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      const pe = fieldPe(k);
      const c = node.children.get(pe);
      if (!c) {
        out[k] = v;
        continue;
      }
      const kc = keep?.children.get(pe);
      if (removable(c, kc)) continue;
      out[k] = prune(v, fieldType(type, k), c, kc);
    }
    return out;
  }
  if (Array.isArray(value) && listKind(type) !== "atomic") {
    const out: JsonValue[] = [];
    value.forEach((item, i) => {
      const pe = itemPe(type, item, i);
      const c = node.children.get(pe);
      const kc = keep?.children.get(pe);
      if (!c) out.push(item);
      else if (!removable(c, kc)) out.push(listKind(type) === "map" ? prune(item, itemType(type), c, kc) : item);
    });
    return out;
  }
  return value;
}

/**
 * The set with every named (struct) field on the way to its members made a member too, as
 * structured-merge-diff's EnsureNamedFieldsAreMembers does before pruning: a manager that stops applying
 * `spec.chart` then drops the whole `spec.chart` struct, defaulted fields inside it included, while map keys
 * (labels, values) stay reached through their own members only. The top-level `metadata` stays a non-member:
 * every applied configuration names the object, so it is always owned.
 */
export function withNamedFieldMembers(set: FieldSet, type: TypeNode | undefined): FieldSet {
  const out = set.clone();
  markNamedFields(out, type);
  const meta = out.children.get("f:metadata");
  if (meta) meta.self = set.children.get("f:metadata")?.self ?? false;
  return out;
}

function markNamedFields(node: FieldSet, type: TypeNode | undefined): void {
  for (const [pe, child] of node.children) {
    if (pe.startsWith("f:")) {
      const name = pe.slice(2);
      if (type?.kind === "map" && type.fields?.[name] !== undefined) child.self = true;
      markNamedFields(child, fieldType(type, name));
    } else {
      markNamedFields(child, itemType(type));
    }
  }
}

/** Keeps only the paths of a set that exist in a value. */
export function existingPaths(set: FieldSet, value: JsonValue, type: TypeNode | undefined): FieldSet {
  const present = new FieldSet();
  insertAll(value, type, [], present);
  return set.intersection(present);
}
