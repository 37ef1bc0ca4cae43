import { HELM_CHART_CONTENT } from "@sluice/oci";
import { describe, expect, it } from "vitest";
import { selectSemverTag, TagSelectError } from "./tag-select.js";

const tags = ["latest", "v1.0.0", "1.2.0", "1.10.0", "2.0.0", "2.1.0-rc.1", "1.2.3_build.5", "not-a-version"];

describe("selectSemverTag", () => {
  it.each([
    ["1.x", undefined, undefined, "1.10.0"],
    [">=1.0.0 <1.5.0", undefined, undefined, "1.2.0"],
    [">=1.0.0, <2.0.0", undefined, undefined, "1.10.0"],
    ["*", undefined, undefined, "2.0.0"],
    [">=2.1.0-0", undefined, undefined, "2.1.0-rc.1"],
    ["1.x", "^v", undefined, "v1.0.0"],
    ["~1.2", undefined, HELM_CHART_CONTENT, "1.2.3_build.5"],
  ])("range %s filter %s → %s", (range, filter, mediaType, expected) => {
    expect(selectSemverTag(tags, range, filter, mediaType)).toBe(expected);
  });

  it.each([
    ["~9.0", undefined, "no match found for semver: ~9.0"],
    ["not a range!", undefined, "semver 'not a range!' parse error"],
    ["*", "(", "error parsing regexp"],
  ])("fails %s / %s", (range, filter, message) => {
    expect(() => selectSemverTag(tags, range, filter)).toThrow(TagSelectError);
    expect(() => selectSemverTag(tags, range, filter)).toThrow(message);
  });
});
