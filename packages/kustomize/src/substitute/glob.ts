/**
 * Compiles a shell pattern as Flux's envsubst matches it (Go `path.Match` rules, except that `*` and `?` also
 * match `/`): `*` any run, `?` one character, `[...]`/`[^...]` classes with ranges, `\` escapes.
 * Returns undefined for a malformed pattern (the string functions then leave the value unchanged).
 */
export function compileGlob(pattern: string): RegExp | undefined {
  let out = "";
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === "*") out += "[\\s\\S]*";
    else if (c === "?") out += "[\\s\\S]";
    else if (c === "\\") {
      const next = chars[++i];
      if (next === undefined) return undefined;
      out += escapeRegExp(next);
    } else if (c === "[") {
      let cls = "";
      let j = i + 1;
      if (chars[j] === "^") {
        cls += "^";
        j++;
      }
      let ranges = 0;
      for (;;) {
        const ch = chars[j];
        if (ch === undefined) return undefined;
        if (ch === "]" && ranges > 0) break;
        const lo = readClassChar(chars, j);
        if (!lo) return undefined;
        j = lo.next;
        if (chars[j] === "-") {
          const hi = readClassChar(chars, j + 1);
          if (!hi) return undefined;
          j = hi.next;
          if (hi.char.codePointAt(0)! < lo.char.codePointAt(0)!) return undefined;
          cls += `${escapeClass(lo.char)}-${escapeClass(hi.char)}`;
        } else {
          cls += escapeClass(lo.char);
        }
        ranges++;
      }
      out += `[${cls}]`;
      i = j;
    } else out += escapeRegExp(c);
  }
  return new RegExp(`^${out}$`, "u");
}

function readClassChar(chars: string[], at: number): { char: string; next: number } | undefined {
  let c = chars[at];
  if (c === undefined || c === "-" || c === "]") return undefined;
  if (c === "\\") {
    c = chars[at + 1];
    if (c === undefined) return undefined;
    return { char: c, next: at + 2 };
  }
  return { char: c, next: at + 1 };
}

function escapeRegExp(c: string): string {
  return c.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
}

function escapeClass(c: string): string {
  return c.replace(/[\\\]^[-]/g, "\\$&");
}
