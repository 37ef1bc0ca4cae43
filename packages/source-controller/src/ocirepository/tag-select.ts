// Choosing the tag an OCIRepository's `ref.semver` (+ `semverFilter`) points at, as Flux does: filter the
// registry's tags by the regular expression, keep those parsing as versions inside the range, take the
// highest. For Helm chart layers, OCI tags carry `_` where SemVer has `+` (Helm's mapping).

import { parseSemverRange, parseTagVersion } from "@sluice/git";
import { HELM_CHART_CONTENT } from "@sluice/oci";
import semver from "semver";
import { parsePattern } from "./regexp.js";

/** A bad semver range or filter, or no tag matching. */
export class TagSelectError extends Error {
  override readonly name = "TagSelectError";
}

/**
 * The newest tag among `tags` matching `range` (after `filter`), or throws {@link TagSelectError}:
 * `semver '<range>' parse error: …`, `no match found for semver: <range>`, or the filter's regexp error.
 */
export function selectSemverTag(
  tags: readonly string[],
  range: string,
  filter: string | undefined,
  mediaType?: string,
): string {
  let candidates = tags;
  if (filter) {
    let re: RegExp;
    try {
      re = parsePattern(filter);
    } catch (err: unknown) {
      throw new TagSelectError(`error parsing regexp: ${(err as Error).message}`);
    }
    candidates = tags.filter((t) => re.test(t));
  }
  let constraint: ReturnType<typeof parseSemverRange>;
  try {
    constraint = parseSemverRange(range, "");
  } catch (err: unknown) {
    throw new TagSelectError(`semver '${range}' parse error: ${(err as Error).message}`);
  }
  const helm = mediaType === HELM_CHART_CONTENT;
  let best: { tag: string; version: NonNullable<ReturnType<typeof parseTagVersion>> } | undefined;
  for (const tag of candidates) {
    const version = parseTagVersion(helm ? tag.replaceAll("_", "+") : tag);
    if (!version || !constraint.test(version)) continue;
    if (!best || semver.compareBuild(version, best.version) > 0) best = { tag, version };
  }
  if (!best) throw new TagSelectError(`no match found for semver: ${range}`);
  return best.tag;
}
