import { badRequest } from "../errors.js";
import { getPath, type JsonObject } from "../util/json.js";

/** One `field=value` or `field!=value` requirement. */
export interface FieldRequirement {
  field: string;
  op: "=" | "!=";
  value: string;
}

/** A parsed field selector: every requirement must hold. */
export type FieldSelector = FieldRequirement[];

function unescapeValue(v: string): string {
  return v.replace(/\\(.)/g, "$1");
}

/** Parses the `fieldSelector` query syntax (`a=b`, `a==b`, `a!=b`, comma-separated). */
export function parseFieldSelector(raw: string | undefined): FieldSelector {
  if (raw === undefined || raw.trim() === "") return [];
  const out: FieldSelector = [];
  for (const part of raw.split(/(?<!\\),/)) {
    const p = part.trim();
    if (p === "") continue;
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(p);
    if (!m) throw badRequest(`invalid selector: '${raw}'; can't understand '${p}'`);
    out.push({ field: m[1]!.trim(), op: m[2] === "!=" ? "!=" : "=", value: unescapeValue(m[3]!.trim()) });
  }
  return out;
}

/** Checks every field is one the resource supports; 400 `field label not supported` otherwise. */
export function checkFieldSelector(sel: FieldSelector, allowed: readonly string[]): void {
  for (const r of sel) {
    if (r.field === "metadata.name" || r.field === "metadata.namespace") continue;
    if (!allowed.includes(r.field)) throw badRequest(`field label not supported: ${r.field}`);
  }
}

function fieldValue(obj: JsonObject, field: string): string {
  const v = getPath(obj, field.split("."));
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

/** Tells whether an object satisfies every field requirement. */
export function matchesFields(sel: FieldSelector, obj: JsonObject): boolean {
  for (const r of sel) {
    const v = fieldValue(obj, r.field);
    if (r.op === "=" ? v !== r.value : v === r.value) return false;
  }
  return true;
}
