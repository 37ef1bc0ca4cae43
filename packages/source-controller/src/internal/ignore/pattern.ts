// One gitignore-syntax pattern scoped to a directory ("domain"), with the semantics of the matcher Flux's
// `pkg/sourceignore` uses (go-git's gitignore): a pattern without `/` matches any path component at or
// below its domain, a pattern with `/` is anchored to the domain and also matches everything beneath what it
// matches, `**` spans directories, a trailing `/` restricts the last component to directories, `!` re-includes.

import { globMatch } from "./glob.js";

/** What a pattern says about a path. */
export const MatchResult = { None: 0, Exclude: 1, Include: 2 } as const;
export type MatchResultValue = (typeof MatchResult)[keyof typeof MatchResult];

/** A parsed ignore pattern. */
export interface IgnorePattern {
  /** Path components of the directory the pattern is scoped to (relative to the archive root). */
  readonly domain: readonly string[];
  /** The pattern split on `/`. */
  readonly segments: readonly string[];
  /** `!pattern`: re-includes what earlier patterns excluded. */
  readonly inclusion: boolean;
  /** `pattern/`: the final component must be a directory. */
  readonly dirOnly: boolean;
  /** The pattern contains `/` and is matched component by component from the domain. */
  readonly anchored: boolean;
  /** The pattern text as written (for diagnostics). */
  readonly source: string;
}

/** Parses one gitignore line (already known not to be blank or a comment) scoped to `domain`. */
export function parsePattern(line: string, domain: readonly string[] = []): IgnorePattern {
  let p = line;
  let inclusion = false;
  if (p.startsWith("!")) {
    inclusion = true;
    p = p.slice(1);
  }
  if (!p.endsWith("\\ ")) p = p.replace(/ +$/, "");
  let dirOnly = false;
  if (p.endsWith("/")) {
    dirOnly = true;
    p = p.slice(0, -1);
  }
  return {
    domain: [...domain],
    segments: p.split("/"),
    inclusion,
    dirOnly,
    anchored: p.includes("/"),
    source: line,
  };
}

/** Matches `path` (components relative to the archive root) against one pattern. */
export function matchPattern(pattern: IgnorePattern, path: readonly string[], isDir: boolean): MatchResultValue {
  const { domain } = pattern;
  if (path.length <= domain.length) return MatchResult.None;
  for (let i = 0; i < domain.length; i++) if (path[i] !== domain[i]) return MatchResult.None;
  const rest = path.slice(domain.length);
  const matched = pattern.anchored ? anchoredMatch(pattern, rest, isDir) : nameMatch(pattern, rest, isDir);
  if (!matched) return MatchResult.None;
  return pattern.inclusion ? MatchResult.Include : MatchResult.Exclude;
}

/** A pattern without `/`: the first component it matches decides (a file can't satisfy a `dir/` pattern). */
function nameMatch(pattern: IgnorePattern, rest: readonly string[], isDir: boolean): boolean {
  const glob = pattern.segments[0] ?? "";
  for (let i = 0; i < rest.length; i++) {
    if (!globMatch(glob, rest[i] as string)) continue;
    return !(pattern.dirOnly && !isDir && i === rest.length - 1);
  }
  return false;
}

/** A pattern with `/`: components match in order from the domain; `**` skips any number of components. */
function anchoredMatch(pattern: IgnorePattern, rest: readonly string[], isDir: boolean): boolean {
  const segs = pattern.segments;
  let pos = 0;
  let matched = false;
  let traverse = false;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i] as string;
    if (seg === "") {
      traverse = false;
      continue;
    }
    if (seg === "**") {
      if (i === segs.length - 1) break;
      traverse = true;
      continue;
    }
    if (seg.includes("**")) return false;
    if (pos >= rest.length) return false;
    if (traverse) {
      traverse = false;
      matched = false;
      while (pos < rest.length) {
        const name = rest[pos++] as string;
        if (globMatch(seg, name)) {
          matched = true;
          break;
        }
      }
    } else {
      if (!globMatch(seg, rest[pos] as string)) return false;
      matched = true;
      pos++;
    }
  }
  if (matched && pattern.dirOnly && !isDir && pos === rest.length) return false;
  return matched;
}
