// Remote references from one `git ls-remote`, and Flux's rules for picking the one a GitRepository wants.

import semver from "semver";
import { GitError, GitErrorKind } from "./errors.js";

/** A reference as `git ls-remote` lists it; tags carry the commit they peel to. */
export interface LsRemoteEntry {
  /** Full reference name. */
  name: string;
  /** The object the reference points at (a tag object for annotated tags). */
  hash: string;
  /** For annotated tags: the commit the tag points at (from the `^{}` line). */
  peeled?: string;
}

/** Parses `git ls-remote` output, folding `refs/tags/x^{}` lines into their tag's `peeled` hash. */
export function parseLsRemote(output: string): Map<string, LsRemoteEntry> {
  const refs = new Map<string, LsRemoteEntry>();
  for (const line of output.split("\n")) {
    const m = /^([0-9a-f]{40}|[0-9a-f]{64})\t(.+)$/.exec(line.trim());
    if (!m) continue;
    const [, hash = "", name = ""] = m;
    if (name.endsWith("^{}")) {
      const base = name.slice(0, -3);
      const entry = refs.get(base) ?? { name: base, hash };
      entry.peeled = hash;
      refs.set(base, entry);
    } else {
      const entry = refs.get(name);
      if (entry) entry.hash = hash;
      else refs.set(name, { name, hash });
    }
  }
  return refs;
}

/** The commit a listed reference resolves to (peeled for annotated tags). */
export function commitOf(entry: LsRemoteEntry): string {
  return entry.peeled ?? entry.hash;
}

/**
 * Parses a tag name as a version the way Flux does (Masterminds/semver `NewVersion`): an optional `v`,
 * and missing minor/patch filled with zeros (`v1.2` → `1.2.0`). Returns undefined when it isn't a version.
 */
export function parseTagVersion(tag: string): semver.SemVer | undefined {
  const m =
    /^v?(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?(?:\.(0|[1-9]\d*))?(-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/.exec(
      tag,
    );
  if (!m) return undefined;
  const text = `${m[1]}.${m[2] ?? "0"}.${m[3] ?? "0"}${m[4] ?? ""}${m[5] ?? ""}`;
  return semver.parse(text) ?? undefined;
}

/**
 * Parses a `spec.ref.semver` constraint. Masterminds-style comma conjunctions (`>=1.0.0, <2.0.0`) are
 * accepted alongside npm syntax. Throws a {@link GitError} of kind `invalid-reference` when invalid.
 */
export function parseSemverRange(range: string, url: string): semver.Range {
  const normalized = range.replace(/\s*,\s*/g, " ").trim();
  try {
    return new semver.Range(normalized === "" ? "*" : normalized);
  } catch (err: unknown) {
    throw new GitError(`semver parse error: invalid range '${range}'`, GitErrorKind.InvalidReference, url, {
      cause: err,
    });
  }
}

/**
 * The highest tag (by SemVer precedence) whose version satisfies `range`; among versions differing only
 * in build metadata the later in build-metadata order wins. Undefined when none matches.
 */
export function pickSemverTag(tags: Iterable<string>, range: semver.Range): string | undefined {
  let best: { tag: string; version: semver.SemVer } | undefined;
  for (const tag of tags) {
    const version = parseTagVersion(tag);
    if (!version || !range.test(version)) continue;
    if (!best || semver.compareBuild(version, best.version) > 0) best = { tag, version };
  }
  return best?.tag;
}
