import { badRequest } from "../errors.js";

/** One requirement of a label selector. */
export interface LabelRequirement {
  key: string;
  op: "=" | "!=" | "in" | "notin" | "exists" | "!";
  values: string[];
}

/** A parsed label selector: every requirement must hold. */
export type LabelSelector = LabelRequirement[];

const KEY_RE =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(key: string, raw: string): void {
  if (!KEY_RE.test(key))
    throw badRequest(`unable to parse requirement: invalid label key "${key}" in selector "${raw}"`);
}

function checkValue(value: string, raw: string): void {
  if (value.length > 63 || !VALUE_RE.test(value)) {
    throw badRequest(`unable to parse requirement: invalid label value: "${value}" in selector "${raw}"`);
  }
}

/** Splits on commas that are not inside parentheses. */
function splitTop(raw: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of raw) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(cur);
      cur = "";
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

/**
 * Parses the `labelSelector` query syntax: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`.
 * Throws 400 BadRequest on syntax errors, as kube-apiserver does.
 */
export function parseLabelSelector(raw: string | undefined): LabelSelector {
  if (raw === undefined || raw.trim() === "") return [];
  const out: LabelSelector = [];
  for (const part of splitTop(raw)) {
    const setMatch = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
    if (setMatch) {
      const key = setMatch[1]!;
      checkKey(key, raw);
      const values = setMatch[3]!
        .split(",")
        .map((v) => v.trim())
        .filter((v) => v !== "");
      for (const v of values) checkValue(v, raw);
      out.push({ key, op: setMatch[2] as "in" | "notin", values });
      continue;
    }
    const eq = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
    if (eq) {
      const key = eq[1]!;
      checkKey(key, raw);
      const value = eq[3]!;
      checkValue(value, raw);
      out.push({ key, op: eq[2] === "!=" ? "!=" : "=", values: [value] });
      continue;
    }
    if (part.startsWith("!")) {
      const key = part.slice(1).trim();
      checkKey(key, raw);
      out.push({ key, op: "!", values: [] });
      continue;
    }
    checkKey(part, raw);
    out.push({ key: part, op: "exists", values: [] });
  }
  return out;
}

/** Tells whether a label map satisfies every requirement. */
export function matchesLabels(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const r of selector) {
    const has = Object.hasOwn(labels, r.key);
    const v = labels[r.key];
    switch (r.op) {
      case "=":
        if (v !== r.values[0]) return false;
        break;
      case "!=":
        if (has && v === r.values[0]) return false;
        break;
      case "in":
        if (!has || !r.values.includes(v!)) return false;
        break;
      case "notin":
        if (has && r.values.includes(v!)) return false;
        break;
      case "exists":
        if (!has) return false;
        break;
      case "!":
        if (has) return false;
        break;
    }
  }
  return true;
}

/** Converts a metav1.LabelSelector object (matchLabels/matchExpressions) into requirements. */
export function labelSelectorFromObject(sel: unknown): LabelSelector | undefined {
  if (typeof sel !== "object" || sel === null) return undefined;
  const out: LabelSelector = [];
  const s = sel as { matchLabels?: unknown; matchExpressions?: unknown };
  if (typeof s.matchLabels === "object" && s.matchLabels !== null) {
    for (const [k, v] of Object.entries(s.matchLabels)) out.push({ key: k, op: "=", values: [String(v)] });
  }
  if (Array.isArray(s.matchExpressions)) {
    for (const e of s.matchExpressions as { key?: unknown; operator?: unknown; values?: unknown }[]) {
      const key = String(e.key);
      const values = Array.isArray(e.values) ? e.values.map(String) : [];
      const op =
        e.operator === "In" ? "in" : e.operator === "NotIn" ? "notin" : e.operator === "Exists" ? "exists" : "!";
      out.push({ key, op, values });
    }
  }
  return out;
}

/** Formats requirements back into the query syntax (used for `status.selector`). */
export function formatLabelSelector(selector: LabelSelector): string {
  return selector
    .map((r) => {
      switch (r.op) {
        case "=":
          return `${r.key}=${r.values[0]}`;
        case "!=":
          return `${r.key}!=${r.values[0]}`;
        case "in":
          return `${r.key} in (${r.values.join(",")})`;
        case "notin":
          return `${r.key} notin (${r.values.join(",")})`;
        case "exists":
          return r.key;
        case "!":
          return `!${r.key}`;
      }
      return "";
    })
    .join(",");
}
