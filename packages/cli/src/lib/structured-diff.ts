// A per-field report of how a live object would change, in the shape of the dyff report `flux diff` prints:
// one block per changed path (`spec.replicas`, `spec.template.spec.containers.web.image`) saying what changed.

import { stringify } from "yaml";

type Json = unknown;

/** One changed path and the lines describing the change. */
export interface FieldChange {
  path: string;
  lines: string[];
}

const WORDS = [
  "zero",
  "one",
  "two",
  "three",
  "four",
  "five",
  "six",
  "seven",
  "eight",
  "nine",
  "ten",
  "eleven",
  "twelve",
];

function count(n: number, singular: string, plural: string): string {
  return `${WORDS[n] ?? String(n)} ${n === 1 ? singular : plural}`;
}

function isMap(v: Json): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function scalar(v: Json): string {
  if (v === null || v === undefined) return "<nil>";
  if (typeof v === "string") return v.includes("\n") ? v.trimEnd() : v;
  if (typeof v === "object") return stringify(v, { lineWidth: 0 }).trimEnd();
  return String(v);
}

function block(v: Json, indent: string): string[] {
  return stringify(v, { lineWidth: 0 })
    .trimEnd()
    .split("\n")
    .map((l) => `${indent}${l}`);
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/** Lists whose entries all have a unique `name` are matched by name (as dyff's Kubernetes identifiers). */
function namedEntries(list: Json[]): Map<string, Json> | undefined {
  if (list.length === 0) return new Map();
  const byName = new Map<string, Json>();
  for (const e of list) {
    if (!isMap(e) || typeof e["name"] !== "string" || byName.has(e["name"])) return undefined;
    byName.set(e["name"], e);
  }
  return byName;
}

/** The field changes from `from` to `to`, in document order. */
export function structuredDiff(from: Json, to: Json, path = ""): FieldChange[] {
  if (isMap(from) && isMap(to)) {
    const out: FieldChange[] = [];
    const removed = Object.keys(from).filter((k) => !(k in to));
    const added = Object.keys(to).filter((k) => !(k in from));
    const lines: string[] = [];
    if (removed.length > 0) {
      lines.push(`  - ${count(removed.length, "map entry", "map entries")} removed:`);
      lines.push(...block(Object.fromEntries(removed.map((k) => [k, from[k]])), "    "));
    }
    if (added.length > 0) {
      lines.push(`  + ${count(added.length, "map entry", "map entries")} added:`);
      lines.push(...block(Object.fromEntries(added.map((k) => [k, to[k]])), "    "));
    }
    if (lines.length > 0) out.push({ path: path || "(root level)", lines });
    for (const k of Object.keys(from)) if (k in to) out.push(...structuredDiff(from[k], to[k], join(path, k)));
    return out;
  }
  if (Array.isArray(from) && Array.isArray(to)) return listDiff(from, to, path);
  if (JSON.stringify(from) === JSON.stringify(to)) return [];
  const kindChange = isMap(from) || isMap(to) || Array.isArray(from) || Array.isArray(to);
  return [
    {
      path: path || "(root level)",
      lines: [
        kindChange ? "  ± type change" : "  ± value change",
        ...prefixed("    - ", scalar(from)),
        ...prefixed("    + ", scalar(to)),
      ],
    },
  ];
}

function prefixed(prefix: string, text: string): string[] {
  return text.split("\n").map((l, i) => (i === 0 ? `${prefix}${l}` : `${" ".repeat(prefix.length)}${l}`));
}

function listDiff(from: Json[], to: Json[], path: string): FieldChange[] {
  const fromNamed = namedEntries(from);
  const toNamed = namedEntries(to);
  if (fromNamed && toNamed && (fromNamed.size > 0 || toNamed.size > 0)) {
    const out: FieldChange[] = [];
    const removed = [...fromNamed.keys()].filter((k) => !toNamed.has(k));
    const added = [...toNamed.keys()].filter((k) => !fromNamed.has(k));
    const lines = entryLines(
      removed.map((k) => fromNamed.get(k)),
      added.map((k) => toNamed.get(k)),
    );
    if (lines.length > 0) out.push({ path: path || "(root level)", lines });
    for (const [name, value] of fromNamed) {
      if (toNamed.has(name)) out.push(...structuredDiff(value, toNamed.get(name), join(path, name)));
    }
    return out;
  }
  if (from.length === to.length) {
    return from.flatMap((v, i) => structuredDiff(v, to[i], join(path, String(i))));
  }
  const key = (v: Json) => JSON.stringify(v);
  const toKeys = new Set(to.map(key));
  const fromKeys = new Set(from.map(key));
  const lines = entryLines(
    from.filter((v) => !toKeys.has(key(v))),
    to.filter((v) => !fromKeys.has(key(v))),
  );
  return lines.length > 0 ? [{ path: path || "(root level)", lines }] : [];
}

function entryLines(removed: Json[], added: Json[]): string[] {
  const lines: string[] = [];
  if (removed.length > 0) {
    lines.push(`  - ${count(removed.length, "list entry", "list entries")} removed:`);
    lines.push(...block(removed, "    "));
  }
  if (added.length > 0) {
    lines.push(`  + ${count(added.length, "list entry", "list entries")} added:`);
    lines.push(...block(added, "    "));
  }
  return lines;
}

/** The report as text: a blank line, then each path followed by its change lines and a blank line. */
export function formatStructuredDiff(changes: readonly FieldChange[]): string {
  if (changes.length === 0) return "";
  return `\n${changes.map((c) => `${c.path}\n${c.lines.join("\n")}\n`).join("\n")}\n`;
}
