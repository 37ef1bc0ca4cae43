// The digest helm-controller gives a stored release in `status.history[].digest`: sha256 of its
// "observation" (name, version, info, chart metadata, config, manifest, hooks without test hooks,
// namespace, OCI digest) as Go's encoding/json writes it. Computed from the stored JSON text, whose parts
// Helm wrote with the same Go structs, so releases Flux recorded verify here and the other way round; only
// fields Go would omit (zero times, empty values) are dropped, as decoding and re-encoding does.

import { createHash } from "node:crypto";
import type { StoredRelease } from "@sluice/helm-storage";

type Span = readonly [start: number, end: number];

function skipSpace(s: string, i: number): number {
  while (i < s.length && (s[i] === " " || s[i] === "\n" || s[i] === "\r" || s[i] === "\t")) i++;
  return i;
}

/** Index just after the JSON value starting at `i`. */
function valueEnd(s: string, i: number): number {
  const c = s[i];
  if (c === '"') {
    for (i++; i < s.length && s[i] !== '"'; i++) if (s[i] === "\\") i++;
    return i + 1;
  }
  if (c === "{" || c === "[") {
    let depth = 0;
    while (i < s.length) {
      const ch = s[i];
      if (ch === '"') {
        i = valueEnd(s, i);
        continue;
      }
      if (ch === "{" || ch === "[") depth++;
      else if ((ch === "}" || ch === "]") && --depth === 0) return i + 1;
      i++;
    }
    throw new SyntaxError("unterminated JSON value in stored release");
  }
  while (i < s.length && !",}] \n\r\t".includes(s[i] as string)) i++;
  return i;
}

/** The members of the JSON object at `span`, each with the span of its value (empty unless an object). */
function members(s: string, span: Span): Map<string, Span> {
  const out = new Map<string, Span>();
  let i = skipSpace(s, span[0]);
  if (s[i] !== "{") return out;
  i = skipSpace(s, i + 1);
  while (i < span[1] && s[i] !== "}") {
    const keyEnd = valueEnd(s, i);
    const key = JSON.parse(s.slice(i, keyEnd)) as string;
    i = skipSpace(s, skipSpace(s, keyEnd) + 1);
    const end = valueEnd(s, i);
    out.set(key, [i, end]);
    i = skipSpace(s, end);
    if (s[i] === ",") i = skipSpace(s, i + 1);
  }
  return out;
}

/** The element spans of the JSON array at `span` (empty unless an array). */
function elements(s: string, span: Span): Span[] {
  const out: Span[] = [];
  let i = skipSpace(s, span[0]);
  if (s[i] !== "[") return out;
  i = skipSpace(s, i + 1);
  while (i < span[1] && s[i] !== "]") {
    const end = valueEnd(s, i);
    out.push([i, end]);
    i = skipSpace(s, end);
    if (s[i] === ",") i = skipSpace(s, i + 1);
  }
  return out;
}

const ZERO_TIME = '"0001-01-01T00:00:00Z"';

/** Whether Go's `omitempty`/`omitzero` drops this encoded value (empty string, 0, false, null, empty, zero time). */
function isZero(text: string): boolean {
  return ["", '""', "0", "false", "null", "[]", "{}", ZERO_TIME].includes(text.replace(/\s/g, ""));
}

/**
 * Re-encodes the object at `span` as a Go struct with `fields` in declaration order: `always` fields are
 * written even when zero (as `fallback` when absent), the others only when not zero; unknown keys dropped.
 */
function goStruct(
  s: string,
  span: Span | undefined,
  fields: readonly string[],
  always: Record<string, string> = {},
  encode: Record<string, (s: string, span: Span) => string> = {},
): string {
  const m = span ? members(s, span) : new Map<string, Span>();
  const parts: string[] = [];
  for (const field of fields) {
    const at = m.get(field);
    const text = at ? (encode[field]?.(s, at) ?? s.slice(at[0], at[1])) : undefined;
    const fallback = always[field];
    if (fallback !== undefined) {
      parts.push(`${JSON.stringify(field)}:${text === undefined || text === "null" ? fallback : text}`);
    } else if (text !== undefined && !isZero(text)) {
      parts.push(`${JSON.stringify(field)}:${text}`);
    }
  }
  return `{${parts.join(",")}}`;
}

const INFO_FIELDS = [
  "first_deployed",
  "last_deployed",
  "deleted",
  "description",
  "status",
  "rollback_revision",
  "notes",
  "resources",
];
const HOOK_FIELDS = [
  "name",
  "kind",
  "path",
  "manifest",
  "events",
  "last_run",
  "weight",
  "delete_policies",
  "output_log_policies",
];
const HOOK_RUN_FIELDS = ["started_at", "completed_at", "phase"];

function hookJson(s: string, span: Span): string {
  return goStruct(
    s,
    span,
    HOOK_FIELDS,
    { last_run: '{"phase":""}' },
    {
      last_run: (t, run) => goStruct(t, run, HOOK_RUN_FIELDS, { phase: '""' }),
    },
  );
}

function isTestHook(s: string, span: Span): boolean {
  const events = members(s, span).get("events");
  if (!events) return false;
  return elements(s, events).some(([a, b]) => s.slice(a, b) === '"test"');
}

/** Go's encoding of a string (HTML-sensitive characters escaped as Go does). */
function goString(value: string): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");
}

/**
 * `sha256:<hex>` of the release's observation as helm-controller computes it (`status.history[].digest`):
 * test hooks and their runs are left out, so `helm test` does not change it; `ociDigest` is the snapshot's.
 */
export function observationDigest(release: Pick<StoredRelease, "raw">, ociDigest?: string): string {
  const s = release.raw;
  const top = members(s, [0, s.length]);
  const raw = (key: string, fallback: string): string => {
    const at = top.get(key);
    const text = at ? s.slice(at[0], at[1]) : undefined;
    return text === undefined || text === "null" ? fallback : text;
  };
  const chart = top.get("chart");
  const metadata = chart ? members(s, chart).get("metadata") : undefined;
  const config = raw("config", "null");
  const hookSpans = top.get("hooks") ? elements(s, top.get("hooks") as Span) : [];
  const hooks = hookSpans.filter((h) => !isTestHook(s, h)).map((h) => hookJson(s, h));
  const parts = [
    `"name":${raw("name", '""')}`,
    `"version":${raw("version", "0")}`,
    `"info":${goStruct(s, top.get("info"), INFO_FIELDS)}`,
    `"chartMetadata":${metadata ? s.slice(metadata[0], metadata[1]) : "{}"}`,
    `"config":${config === "{}" ? "null" : config}`,
    `"manifest":${raw("manifest", '""')}`,
    `"hooks":${hooks.length > 0 ? `[${hooks.join(",")}]` : "null"}`,
    `"namespace":${raw("namespace", '""')}`,
  ];
  if (ociDigest) parts.push(`"ociDigest":${goString(ociDigest)}`);
  return `sha256:${createHash("sha256")
    .update(`{${parts.join(",")}}\n`)
    .digest("hex")}`;
}
