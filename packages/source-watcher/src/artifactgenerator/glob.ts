// Glob patterns of ArtifactGenerator copy operations, with the semantics Flux's source-watcher uses: Go's
// `path.Match` for `from` (a `*` never crosses `/`, `**` is just `*`), and doublestar for `exclude` and the
// Extract strategy (`**` spans directories).

/** Whether a path pattern holds glob metacharacters (`*`, `?`, `[`, `]`). */
export function hasGlobChars(pattern: string): boolean {
  return /[*?[\]]/.test(pattern);
}

/** Thrown for a pattern that can't be compiled (an unclosed `[`), naming the pattern. */
export class GlobPatternError extends Error {
  constructor(readonly pattern: string) {
    super(`invalid glob pattern '${pattern}'`);
    this.name = "GlobPatternError";
  }
}

/**
 * Compiles a glob into a RegExp matching whole slash-separated paths. With `doublestar`, a `**` segment
 * matches any number of directories (zero included); without, `**` behaves like `*`.
 */
export function globToRegExp(pattern: string, doublestar: boolean): RegExp {
  let out = "";
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i] as string;
    if (c === "*") {
      const isDouble = pattern[i + 1] === "*";
      const segmentStart = i === 0 || pattern[i - 1] === "/";
      const segmentEnd = i + 2 >= pattern.length || pattern[i + 2] === "/";
      if (doublestar && isDouble && segmentStart && segmentEnd) {
        if (i + 2 >= pattern.length) {
          // A trailing `**` matches everything below (and, after a `/`, the directory itself).
          out += ".*";
          i += 2;
        } else {
          out += "(?:[^/]*(?:/[^/]*)*/)?";
          i += 3;
        }
        continue;
      }
      while (pattern[i] === "*") i++;
      out += "[^/]*";
      continue;
    }
    if (c === "?") {
      out += "[^/]";
      i++;
      continue;
    }
    if (c === "[") {
      const close = pattern.indexOf("]", i + 2);
      if (close < 0) throw new GlobPatternError(pattern);
      let body = pattern.slice(i + 1, close);
      if (body.startsWith("^") || body.startsWith("!")) body = `^${body.slice(1)}`;
      out += `[${body.replace(/\\/g, "\\\\")}]`;
      i = close + 1;
      continue;
    }
    if (c === "\\" && i + 1 < pattern.length) {
      out += escapeRegExp(pattern[i + 1] as string);
      i += 2;
      continue;
    }
    out += escapeRegExp(c);
    i++;
  }
  return new RegExp(`^${out}$`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** Whether `path` matches any exclude pattern (doublestar), or its file name matches a pattern without `/`. */
export function excluded(path: string, patterns: readonly RegExp[], plain: readonly RegExp[]): boolean {
  if (patterns.some((re) => re.test(path))) return true;
  const base = path.slice(path.lastIndexOf("/") + 1);
  return plain.some((re) => re.test(base));
}
