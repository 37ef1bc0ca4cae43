// The ImagePolicy policies (Flux's internal/policy): semver, alphabetical and numerical selection of the
// latest tag, and the filterTags regular expression with its `extract` template.

import type { ImagePolicyChoice, TagFilter } from "@sluice/api";
import semver from "semver";
import { compileGoRegexp, expandGo, type GoRegexp } from "./go-regexp.js";

/** The spec's policy can't be used (Flux: InvalidPolicy, stalls). */
export class InvalidPolicyError extends Error {
  override readonly name = "InvalidPolicyError";
}

/** No tag satisfies the policy (a transient failure: new tags may come). */
export class NoMatchingTagError extends Error {
  override readonly name = "NoMatchingTagError";
}

/** Picks the latest of a list of tags. */
export interface Policer {
  /** The latest tag; throws {@link NoMatchingTagError} when the list is empty or nothing qualifies. */
  latest(tags: readonly string[]): string;
}

/** The policer `spec.policy` selects; throws {@link InvalidPolicyError} for none, several or a bad range/order. */
export function policerFromSpec(policy: ImagePolicyChoice): Policer {
  const chosen = (["semver", "alphabetical", "numerical"] as const).filter((k) => policy[k] !== undefined);
  if (chosen.length !== 1) {
    throw new InvalidPolicyError(
      chosen.length === 0
        ? "invalid policy: given ImagePolicy spec has no policy"
        : `invalid policy: only one of ${chosen.join(", ")} may be set`,
    );
  }
  if (policy.semver) return semverPolicer(policy.semver.range);
  if (policy.alphabetical) return alphabeticalPolicer(orderOf(policy.alphabetical.order));
  return numericalPolicer(orderOf(policy.numerical?.order));
}

function orderOf(order: string | undefined): "asc" | "desc" {
  const o = (order ?? "asc").toLowerCase();
  if (o !== "asc" && o !== "desc") {
    throw new InvalidPolicyError(
      `invalid policy: invalid order argument provided: '${order}', must be one of: ASC, DESC`,
    );
  }
  return o;
}

function empty(): never {
  throw new NoMatchingTagError("version list argument cannot be empty");
}

/**
 * Parses a tag as Flux's pkg/version does (Masterminds NewVersion): optional `v`, missing minor/patch as 0.
 * Undefined when the tag is not a version.
 */
export function parseTagVersion(tag: string): semver.SemVer | undefined {
  const m =
    /^v?(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?(?:\.(0|[1-9]\d*))?(-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/.exec(
      tag,
    );
  if (!m) return undefined;
  return semver.parse(`${m[1]}.${m[2] ?? "0"}.${m[3] ?? "0"}${m[4] ?? ""}${m[5] ?? ""}`) ?? undefined;
}

/** The highest version satisfying `range` (Masterminds `, ` conjunctions accepted). */
export function semverPolicer(range: string): Policer {
  let parsed: semver.Range;
  try {
    parsed = new semver.Range(range.replace(/\s*,\s*/g, " ").trim() || "*");
  } catch {
    throw new InvalidPolicyError(`invalid policy: improper constraint: ${range}`);
  }
  return {
    latest(tags) {
      if (tags.length === 0) empty();
      let best: { tag: string; v: semver.SemVer } | undefined;
      for (const tag of tags) {
        const v = parseTagVersion(tag);
        if (v && parsed.test(v) && (!best || semver.compare(v, best.v) > 0)) best = { tag, v };
      }
      if (!best) throw new NoMatchingTagError("unable to determine latest version from provided list");
      return best.tag;
    },
  };
}

/** `asc`: the last tag in byte order; `desc`: the first. */
export function alphabeticalPolicer(order: "asc" | "desc"): Policer {
  return {
    latest(tags) {
      if (tags.length === 0) empty();
      const sorted = [...tags].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return (order === "asc" ? sorted[sorted.length - 1] : sorted[0]) as string;
    },
  };
}

/** `asc`: the highest number; `desc`: the lowest. Every tag must be a number. */
export function numericalPolicer(order: "asc" | "desc"): Policer {
  return {
    latest(tags) {
      if (tags.length === 0) empty();
      let latest: { tag: string; n: number } | undefined;
      for (const tag of tags) {
        const n = Number(tag);
        if (tag.trim() === "" || !Number.isFinite(n)) {
          throw new NoMatchingTagError(`failed to parse invalid numeric value '${tag}'`);
        }
        if (!latest || (order === "asc" ? n >= latest.n : n <= latest.n)) latest = { tag, n };
      }
      return (latest as { tag: string }).tag;
    },
  };
}

/** `spec.filterTags`: keeps matching tags, compared as their `extract` expansion; maps back to the tag. */
export class RegexTagFilter {
  readonly #re: GoRegexp;
  constructor(
    filter: TagFilter,
    private readonly extract = filter.extract ?? "",
  ) {
    try {
      this.#re = compileGoRegexp(filter.pattern ?? "");
    } catch (err: unknown) {
      throw new InvalidPolicyError(
        `failed to filter tags: invalid regular expression pattern '${filter.pattern ?? ""}': ${(err as Error).message}`,
      );
    }
  }

  /** The values to compare (extracted), each mapped to its original tag (the last tag wins on a clash). */
  apply(tags: readonly string[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const tag of tags) {
      const value =
        this.extract === "" ? (this.#re.matcher(tag).find() ? tag : undefined) : expandGo(this.#re, this.extract, tag);
      if (value !== undefined) out.set(value, tag);
    }
    return out;
  }
}

/**
 * The latest tag of `tags` under `policy` and `filter` (Flux's applyPolicy): filtered values are compared and
 * the original tag returned. Throws {@link InvalidPolicyError} or {@link NoMatchingTagError}.
 */
export function selectLatestTag(
  policy: ImagePolicyChoice,
  filter: TagFilter | undefined,
  tags: readonly string[],
): string {
  const policer = policerFromSpec(policy);
  if (!filter) return policer.latest(tags);
  const values = new RegexTagFilter(filter).apply(tags);
  const latest = policer.latest([...values.keys()]);
  return values.get(latest) ?? latest;
}
