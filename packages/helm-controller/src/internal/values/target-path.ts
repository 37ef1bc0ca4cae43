// `valuesFrom[].targetPath`: Helm's `--set` path syntax (strvals) — dot-separated keys, `\.` for a literal
// dot, `name[3]` list indexes — and its scalar typing (`--set` vs `--set-literal`).

import type { Values } from "./merge-values.js";

/** A targetPath that can't be parsed; the message names the path. */
export class TargetPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TargetPathError";
  }
}

type Segment = { key: string } | { index: number };

/** Splits a targetPath into map keys and list indexes. */
export function parseTargetPath(path: string): Segment[] {
  const segments: Segment[] = [];
  let key = "";
  let keyStarted = false;
  let afterIndex = false;
  const flushKey = () => {
    if (keyStarted) segments.push({ key });
    key = "";
    keyStarted = false;
  };
  for (let i = 0; i < path.length; i++) {
    const c = path[i] as string;
    if (c === "\\" && i + 1 < path.length) {
      key += path[++i];
      keyStarted = true;
      afterIndex = false;
    } else if (c === ".") {
      if (!keyStarted && !afterIndex) throw new TargetPathError(`invalid targetPath '${path}': empty key`);
      flushKey();
      afterIndex = false;
    } else if (c === "[") {
      const end = path.indexOf("]", i);
      const digits = end > i ? path.slice(i + 1, end) : "";
      if (!/^[0-9]{1,5}$/.test(digits)) throw new TargetPathError(`invalid targetPath '${path}': bad list index`);
      flushKey();
      segments.push({ index: Number(digits) });
      i = end;
      afterIndex = true;
    } else {
      key += c;
      keyStarted = true;
      afterIndex = false;
    }
  }
  flushKey();
  if (segments.length === 0) throw new TargetPathError(`invalid targetPath '${path}': empty path`);
  return segments;
}

/** Types a `--set` value as strvals does: null, booleans and integers become typed, the rest stays a string. */
export function typedSetValue(value: string): unknown {
  if (value === "null") return null;
  if (value === "true") return true;
  if (value === "false") return false;
  if (/^(0|-?[1-9][0-9]*)$/.test(value)) {
    const n = Number(value);
    if (Number.isSafeInteger(n)) return n;
  }
  return value;
}

/**
 * Sets `value` at `path` in `values` (mutating it), creating maps and lists on the way (lists are padded
 * with null, as `--set a[2]=x` does). With `literal`, the value is kept as a string (`--set-literal`).
 */
export function setAtTargetPath(values: Values, path: string, value: string, literal = false): void {
  const segments = parseTargetPath(path);
  const typed = literal ? value : typedSetValue(value);
  let container: unknown = values;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i] as Segment;
    const last = i === segments.length - 1;
    const next = segments[i + 1];
    const fresh = () => (next && "index" in next ? [] : {});
    if ("key" in seg) {
      const map = container as Values;
      if (last) {
        map[seg.key] = typed;
        return;
      }
      const cur = map[seg.key];
      const wantList = next !== undefined && "index" in next;
      if (wantList ? !Array.isArray(cur) : typeof cur !== "object" || cur === null || Array.isArray(cur)) {
        map[seg.key] = fresh();
      }
      container = map[seg.key];
    } else {
      if (!Array.isArray(container)) throw new TargetPathError(`invalid targetPath '${path}': index on a non-list`);
      const list = container as unknown[];
      while (list.length <= seg.index) list.push(null);
      if (last) {
        list[seg.index] = typed;
        return;
      }
      const cur = list[seg.index];
      const wantList = next !== undefined && "index" in next;
      if (wantList ? !Array.isArray(cur) : typeof cur !== "object" || cur === null || Array.isArray(cur)) {
        list[seg.index] = fresh();
      }
      container = list[seg.index];
    }
  }
}
