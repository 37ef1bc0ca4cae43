// The fast path of redactLogLine: most lines (an event dispatched, a reconcile finished) hold nothing to
// redact, and re-parsing, walking and re-serializing each costs more than building it. A line is passed on
// as pino wrote it when a conservative text check finds nothing redactValue could change; duplicate top-level
// keys (a child's `controller` over the base one) are merged as JSON.parse + JSON.stringify would merge them.
// Anything unusual returns undefined and takes the full pass.

import { SENSITIVE_KEY_SOURCE } from "./sensitive-key.js";

/**
 * Text that redaction might touch, or that a JSON round trip would rewrite. Matching is on the raw JSON, a
 * superset of the parsed strings' matches: escapes never produce `/`, `@`, whitespace or letters of a key.
 * Lone surrogates (pino writes them raw, JSON.stringify escapes them) and long digit runs (a BigInt pino wrote
 * as digits) also take the full pass.
 */
const MAYBE_SENSITIVE = new RegExp(
  `bearer|basic|token|:\\/\\/[^/\\s@]+@|"secret"|__proto__|[\\ud800-\\udfff]|\\d{16}|"${SENSITIVE_KEY_SOURCE}":`,
  "i",
);

interface Member {
  key: string;
  from: number;
  to: number;
}

/** The line (without its newline) ready to write, or undefined when it needs the full redaction pass. */
export function cleanLogLine(line: string): string | undefined {
  if (line.charCodeAt(0) !== 123 /* { */ || line.charCodeAt(line.length - 1) !== 125 /* } */) return undefined;
  if (MAYBE_SENSITIVE.test(line)) return undefined;
  const members = topLevelMembers(line);
  if (!members) return undefined;
  const seen = new Set<string>();
  let duplicate = false;
  for (const m of members) {
    if (seen.has(m.key)) duplicate = true;
    seen.add(m.key);
  }
  if (!duplicate) return line;
  // As JSON.parse then JSON.stringify: first position, last value.
  const last = new Map<string, Member>();
  for (const m of members) last.set(m.key, m);
  const parts: string[] = [];
  for (const m of members) {
    const winner = last.get(m.key);
    if (!winner) continue;
    last.delete(m.key);
    parts.push(line.slice(winner.from, winner.to));
  }
  return `{${parts.join(",")}}`;
}

/** End (exclusive) of the JSON string starting at `i`, or -1. */
function stringEnd(s: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = s.indexOf('"', j);
    if (q < 0) return -1;
    let backslashes = 0;
    for (let k = q - 1; s.charCodeAt(k) === 92; k--) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    j = q + 1;
  }
}

/** End (exclusive) of the JSON value starting at `i` (compact JSON), or -1. */
function valueEnd(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 34) return stringEnd(s, i);
  if (c === 123 || c === 91) {
    let depth = 0;
    for (let j = i; j < s.length; j++) {
      const d = s.charCodeAt(j);
      if (d === 34) {
        j = stringEnd(s, j) - 1;
        if (j < 0) return -1;
      } else if (d === 123 || d === 91) depth++;
      else if (d === 125 || d === 93) {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return -1;
  }
  for (let j = i; j < s.length; j++) {
    const d = s.charCodeAt(j);
    if (d === 44 || d === 125) return j === i ? -1 : j;
  }
  return -1;
}

/**
 * The top-level members of a compact JSON object: raw key and the `"key":value` span. Undefined for keys with
 * escapes or starting with a digit (JSON.stringify would move integer keys first) or anything not compact.
 */
function topLevelMembers(s: string): Member[] | undefined {
  const members: Member[] = [];
  const end = s.length - 1;
  if (end === 1) return members;
  let i = 1;
  for (;;) {
    if (s.charCodeAt(i) !== 34) return undefined;
    const keyEnd = stringEnd(s, i);
    if (keyEnd < 0 || s.charCodeAt(keyEnd) !== 58 /* : */) return undefined;
    const key = s.slice(i + 1, keyEnd - 1);
    if (key.includes("\\") || /^\d/.test(key)) return undefined;
    const to = valueEnd(s, keyEnd + 1);
    if (to < 0) return undefined;
    members.push({ key, from: i, to });
    if (to === end) return members;
    if (s.charCodeAt(to) !== 44 /* , */) return undefined;
    i = to + 1;
  }
}
