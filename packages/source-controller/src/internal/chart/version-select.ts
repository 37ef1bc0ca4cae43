// Choosing a chart version as Flux does (Masterminds/semver semantics): an exact version string wins, then
// the highest version satisfying the constraint; `*` or empty means the latest stable version, and
// prereleases only match constraints that name a prerelease.

import semver from "semver";
import type { IndexChartVersion } from "../helm/index.js";

/** Thrown when the spec's chart name or version cannot be resolved (Flux's ErrReference). */
export class ChartReferenceError extends Error {
  override readonly name = "ChartReferenceError";
}

/**
 * Parses a version the way Masterminds `NewVersion` does (optional `v`, missing minor/patch are zero);
 * undefined when it is no version.
 */
export function parseLooseVersion(version: string): semver.SemVer | undefined {
  const m =
    /^v?(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?(?:\.(0|[1-9]\d*))?(-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/.exec(
      version.trim(),
    );
  if (!m) return undefined;
  return semver.parse(`${m[1]}.${m[2] ?? "0"}.${m[3] ?? "0"}${m[4] ?? ""}${m[5] ?? ""}`) ?? undefined;
}

/** A version constraint with Masterminds' syntax and prerelease rule. */
export interface VersionConstraint {
  /** Whether `version` satisfies the constraint. */
  test(version: semver.SemVer): boolean;
}

/**
 * Parses `spec.version` as a constraint (`*` when empty). Masterminds' comma conjunctions are accepted;
 * throws {@link ChartReferenceError} `improper constraint: <text>` when it is not a constraint.
 */
export function parseVersionConstraint(constraint: string): VersionConstraint {
  const text = constraint.trim() === "" ? "*" : constraint.trim();
  const normalized = text.replace(/\s*,\s*/g, " ");
  const includePrerelease = /\d-[0-9A-Za-z]/.test(normalized);
  let range: semver.Range;
  try {
    range = new semver.Range(normalized, { includePrerelease });
  } catch {
    throw new ChartReferenceError(`improper constraint: ${constraint}`);
  }
  return { test: (v) => range.test(v) };
}

/**
 * The version of chart `name` in an index that `version` selects (Flux's ChartRepository.GetChartVersion):
 * an exact version string first, otherwise the highest version matching the constraint, ties broken by the
 * latest `created`. Throws {@link ChartReferenceError} with Helm's/Flux's messages when the chart is
 * unknown, has no versions or none matches.
 */
export function selectIndexVersion(
  entries: Record<string, IndexChartVersion[]>,
  name: string,
  version: string | undefined,
): IndexChartVersion {
  const versions = Object.hasOwn(entries, name) ? entries[name] : undefined;
  if (!versions) throw new ChartReferenceError("no chart name found");
  if (versions.length === 0) throw new ChartReferenceError("no chart version found");
  const wanted = version ?? "";
  if (wanted !== "") {
    const exact = versions.find((v) => v.version === wanted);
    if (exact) return exact;
  }
  const constraint = parseVersionConstraint(wanted === "" ? "*" : wanted);
  let best: { cv: IndexChartVersion; v: semver.SemVer; created: number } | undefined;
  for (const cv of versions) {
    const v = typeof cv.version === "string" ? parseLooseVersion(cv.version) : undefined;
    if (!v || !constraint.test(v)) continue;
    const created = typeof cv.created === "string" ? Date.parse(cv.created) || 0 : 0;
    const cmp = best ? semver.compare(v, best.v) : 1;
    if (!best || cmp > 0 || (cmp === 0 && created > best.created)) best = { cv, v, created };
  }
  if (!best) throw new ChartReferenceError(`no '${name}' chart with version matching '${wanted}' found`);
  return best.cv;
}
