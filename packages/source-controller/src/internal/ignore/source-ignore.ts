// Flux's `.sourceignore` rules: ignore files found anywhere in the tree (each scoped to its directory), then
// the object's `spec.ignore`, on top of default exclusions. When the user gave any pattern at all, only the
// VCS defaults are kept; otherwise the extension, CI and extra defaults apply as well.

import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { IgnoreMatcher } from "./matcher.js";
import { type IgnorePattern, parsePattern } from "./pattern.js";

/** The name of the ignore files loaded from a source tree. */
export const SOURCE_IGNORE_FILE = ".sourceignore";

/** Version control files, always excluded. */
export const EXCLUDE_VCS = [".git/", ".gitignore", ".gitmodules", ".gitattributes"] as const;
/** Binary and archive extensions, excluded when the user gave no pattern. */
export const EXCLUDE_EXT = ["*.jpg", "*.jpeg", "*.gif", "*.png", "*.wmv", "*.flv", "*.tar.gz", "*.zip"] as const;
/** CI configuration, excluded when the user gave no pattern. */
export const EXCLUDE_CI = [
  ".github/",
  ".circleci/",
  ".travis.yml",
  ".gitlab-ci.yml",
  "appveyor.yml",
  ".drone.yml",
  "cloudbuild.yaml",
  "codeship-services.yml",
  "codeship-steps.yml",
] as const;
/** Tooling files, excluded when the user gave no pattern. */
export const EXCLUDE_EXTRA = ["**/.goreleaser.yml", "**/.sops.yaml", "**/.flux.yaml"] as const;

/** The VCS default patterns scoped to `domain`. */
export function vcsPatterns(domain: readonly string[] = []): IgnorePattern[] {
  return EXCLUDE_VCS.map((p) => parsePattern(p, domain));
}

/** The extension, CI and extra default patterns scoped to `domain`. */
export function defaultPatterns(domain: readonly string[] = []): IgnorePattern[] {
  return [...EXCLUDE_EXT, ...EXCLUDE_CI, ...EXCLUDE_EXTRA].map((p) => parsePattern(p, domain));
}

/**
 * Parses gitignore text (an ignore file or `spec.ignore`) into patterns scoped to `domain`. Blank lines and
 * lines starting with `#` are skipped; a trailing `\r` is dropped.
 */
export function readPatterns(text: string, domain: readonly string[] = []): IgnorePattern[] {
  const patterns: IgnorePattern[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.startsWith("#") || line.trim() === "") continue;
    patterns.push(parsePattern(line, domain));
  }
  return patterns;
}

/**
 * Loads every `.sourceignore` file under `dir` (not descending into `.git` directories or following
 * symlinks): a directory's own file first, then its subdirectories in name order, each file's patterns
 * scoped to the directory holding it. `domain` is the path of `dir` relative to the archive root.
 */
export async function loadIgnorePatterns(dir: string, domain: readonly string[] = []): Promise<IgnorePattern[]> {
  const patterns: IgnorePattern[] = [];
  try {
    patterns.push(...readPatterns(await readFile(join(dir, SOURCE_IGNORE_FILE), "utf8"), domain));
  } catch (err: unknown) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "EISDIR") throw err;
  }
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => compareNames(a.name, b.name));
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name === ".git") continue;
    patterns.push(...(await loadIgnorePatterns(join(dir, entry.name), [...domain, entry.name])));
  }
  return patterns;
}

/**
 * The matcher an archive applies: with no user patterns, the VCS and all other defaults; with user patterns
 * (from ignore files and/or `spec.ignore`), the VCS defaults followed by the user patterns.
 */
export function sourceIgnoreMatcher(userPatterns: readonly IgnorePattern[]): IgnoreMatcher {
  if (userPatterns.length === 0) return new IgnoreMatcher([...vcsPatterns(), ...defaultPatterns()]);
  return new IgnoreMatcher([...vcsPatterns(), ...userPatterns]);
}

/**
 * Builds the matcher for a checked-out source tree as the GitRepository reconciler does: `.sourceignore`
 * files from `dir`, then `spec.ignore` (scoped to the root), then the defaults as {@link sourceIgnoreMatcher}.
 */
export async function loadSourceIgnore(dir: string, specIgnore?: string): Promise<IgnoreMatcher> {
  const patterns = await loadIgnorePatterns(dir);
  if (specIgnore !== undefined) patterns.push(...readPatterns(specIgnore));
  return sourceIgnoreMatcher(patterns);
}

/** Byte-wise name order, as Go's `os.ReadDir` sorts. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
