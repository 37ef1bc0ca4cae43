// Matching of one path component against a shell-style glob, with the semantics of Go's `filepath.Match`
// (which Flux's `.sourceignore` matcher uses): `*` any run of characters, `?` one character, `[...]` /
// `[^...]` classes with ranges, `\` escapes. A malformed pattern matches nothing.

const cache = new Map<string, RegExp | null>();
const CACHE_LIMIT = 4096;

/** Whether the single path component `name` matches the glob `pattern` (Go `filepath.Match` rules). */
export function globMatch(pattern: string, name: string): boolean {
  let re = cache.get(pattern);
  if (re === undefined) {
    re = compileGlob(pattern);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(pattern, re);
  }
  return re?.test(name) === true;
}

/**
 * Compiles a glob into an anchored regular expression, or null when the pattern is malformed (an unclosed or
 * empty class, a range starting with `-` or `]`, a trailing `\`): Go reports `ErrBadPattern` and Flux's
 * matcher then treats the pattern as not matching.
 */
export function compileGlob(pattern: string): RegExp | null {
  const chars = Array.from(pattern);
  let out = "^";
  let i = 0;
  while (i < chars.length) {
    const c = chars[i] as string;
    if (c === "*") {
      out += "[^/]*";
      i++;
    } else if (c === "?") {
      out += "[^/]";
      i++;
    } else if (c === "\\") {
      const next = chars[i + 1];
      if (next === undefined) return null;
      out += escapeLiteral(next);
      i += 2;
    } else if (c === "[") {
      const parsed = parseClass(chars, i + 1);
      if (parsed === null) return null;
      out += parsed.source;
      i = parsed.end;
    } else {
      out += escapeLiteral(c);
      i++;
    }
  }
  return new RegExp(`${out}$`, "u");
}

/** Parses a `[...]` class whose body starts at `start`; returns its regex source and the index after `]`. */
function parseClass(chars: readonly string[], start: number): { source: string; end: number } | null {
  let i = start;
  let negate = false;
  if (chars[i] === "^") {
    negate = true;
    i++;
  }
  const ranges: string[] = [];
  let count = 0;
  for (;;) {
    if (i >= chars.length) return null;
    if (chars[i] === "]" && count > 0) return { source: `[${negate ? "^" : ""}${ranges.join("")}]`, end: i + 1 };
    count++;
    const lo = classChar(chars, i);
    if (lo === null) return null;
    i = lo.end;
    if (chars[i] === "-") {
      const hi = classChar(chars, i + 1);
      if (hi === null) return null;
      // A reversed range matches nothing (Go compares lo <= c <= hi); a JS regex would reject it.
      if (hi.char.codePointAt(0)! >= lo.char.codePointAt(0)!)
        ranges.push(`${escapeClass(lo.char)}-${escapeClass(hi.char)}`);
      i = hi.end;
    } else {
      ranges.push(escapeClass(lo.char));
    }
  }
}

/** One (possibly escaped) character of a class; `-` and `]` are not allowed unescaped here (Go's getEsc). */
function classChar(chars: readonly string[], i: number): { char: string; end: number } | null {
  const c = chars[i];
  if (c === undefined || c === "-" || c === "]") return null;
  if (c === "\\") {
    const next = chars[i + 1];
    if (next === undefined) return null;
    return { char: next, end: i + 2 };
  }
  return { char: c, end: i + 1 };
}

function escapeLiteral(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

function escapeClass(c: string): string {
  return c.replace(/[\\\]^-]/g, "\\$&");
}
