import { isObject, type JsonValue, jsonEqual } from "./json.js";

type Step =
  | { kind: "field"; name: string }
  | { kind: "index"; index: number }
  | { kind: "wildcard" }
  | { kind: "filter"; path: string[]; op: "==" | "!=" | "exists"; value?: JsonValue };

function parseLiteral(raw: string): JsonValue {
  const t = raw.trim();
  if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'"))) return t.slice(1, -1);
  if (t === "true") return true;
  if (t === "false") return false;
  const n = Number(t);
  return Number.isNaN(n) ? t : n;
}

function parse(expr: string): Step[] {
  let s = expr.trim();
  if (s.startsWith("{") && s.endsWith("}")) s = s.slice(1, -1);
  if (s.startsWith("$")) s = s.slice(1);
  const steps: Step[] = [];
  let i = 0;
  while (i < s.length) {
    const ch = s[i];
    if (ch === ".") {
      i++;
      let name = "";
      while (i < s.length && s[i] !== "." && s[i] !== "[") name += s[i++];
      if (name === "*") steps.push({ kind: "wildcard" });
      else if (name !== "") steps.push({ kind: "field", name });
      continue;
    }
    if (ch === "[") {
      const end = s.indexOf("]", i);
      if (end < 0) throw new Error(`unterminated [ in ${expr}`);
      const inner = s.slice(i + 1, end).trim();
      i = end + 1;
      if (inner === "*") steps.push({ kind: "wildcard" });
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: "index", index: Number(inner) });
      else if ((inner.startsWith("'") && inner.endsWith("'")) || (inner.startsWith('"') && inner.endsWith('"'))) {
        steps.push({ kind: "field", name: inner.slice(1, -1) });
      } else if (inner.startsWith("?(") && inner.endsWith(")")) {
        const body = inner.slice(2, -1).trim();
        const m = /^@((?:\.[^.=!\s]+)+)\s*(==|!=)\s*(.+)$/.exec(body);
        if (m) {
          steps.push({
            kind: "filter",
            path: m[1]!.slice(1).split("."),
            op: m[2] as "==" | "!=",
            value: parseLiteral(m[3]!),
          });
        } else {
          const e = /^@((?:\.[^.=!\s]+)+)$/.exec(body);
          if (!e) throw new Error(`unsupported filter ${inner}`);
          steps.push({ kind: "filter", path: e[1]!.slice(1).split("."), op: "exists" });
        }
      } else throw new Error(`unsupported index ${inner}`);
      continue;
    }
    let name = "";
    while (i < s.length && s[i] !== "." && s[i] !== "[") name += s[i++];
    if (name !== "") steps.push({ kind: "field", name });
  }
  return steps;
}

function dig(v: JsonValue | undefined, path: string[]): JsonValue | undefined {
  let cur = v;
  for (const p of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

/**
 * Evaluates the JSONPath subset Kubernetes uses in printer columns and selectable fields (`.a.b`, `[0]`,
 * `[*]`, `['x.y']`, `[?(@.type=="Ready")]`) and returns every match.
 */
export function evaluateJsonPath(expr: string, root: JsonValue): JsonValue[] {
  let current: JsonValue[] = [root];
  for (const step of parse(expr)) {
    const next: JsonValue[] = [];
    for (const v of current) {
      switch (step.kind) {
        case "field":
          if (isObject(v) && v[step.name] !== undefined) next.push(v[step.name]!);
          break;
        case "index":
          if (Array.isArray(v)) {
            const idx = step.index < 0 ? v.length + step.index : step.index;
            if (v[idx] !== undefined) next.push(v[idx]!);
          }
          break;
        case "wildcard":
          if (Array.isArray(v)) next.push(...v);
          else if (isObject(v)) next.push(...Object.values(v));
          break;
        case "filter":
          if (Array.isArray(v)) {
            for (const item of v) {
              const got = dig(item, step.path);
              if (
                step.op === "exists"
                  ? got !== undefined
                  : step.op === "=="
                    ? jsonEqual(got, step.value)
                    : !jsonEqual(got, step.value)
              ) {
                next.push(item);
              }
            }
          }
          break;
      }
    }
    current = next;
  }
  return current;
}
