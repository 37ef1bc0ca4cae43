// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Go templates (${name}) under test
import { describe, expect, it } from "vitest";
import { compileGoRegexp, expandGo } from "./go-regexp.js";
import { InvalidPolicyError, NoMatchingTagError, selectLatestTag } from "./policies.js";

const tags = ["1.0.0", "1.2.0", "v1.10.1", "2.0.0-rc.1", "1.9.9", "latest", "main-abc-100", "main-def-99"];

describe("selectLatestTag", () => {
  it.each([
    [{ semver: { range: ">=1.0.0 <2.0.0" } }, undefined, "v1.10.1"],
    [{ semver: { range: "1.x" } }, undefined, "v1.10.1"],
    [{ semver: { range: ">=1.0.0, <1.5.0" } }, undefined, "1.2.0"],
    [{ semver: { range: ">=2.0.0-0" } }, undefined, "2.0.0-rc.1"],
    [{ alphabetical: {} }, undefined, "v1.10.1"],
    [{ alphabetical: { order: "desc" as const } }, undefined, "1.0.0"],
    [
      { numerical: { order: "asc" as const } },
      { pattern: "^main-[a-f0-9]+-(?P<ts>[0-9]+)$", extract: "$ts" },
      "main-abc-100",
    ],
    [
      { numerical: { order: "desc" as const } },
      { pattern: "^main-[a-f0-9]+-(?P<ts>[0-9]+)$", extract: "${ts}" },
      "main-def-99",
    ],
    [{ alphabetical: {} }, { pattern: "^main-" }, "main-def-99"],
  ])("%j with filter %j picks %s", (policy, filter, want) => {
    expect(selectLatestTag(policy, filter, tags)).toBe(want);
  });

  it("numerical refuses tags that are not numbers", () => {
    expect(() => selectLatestTag({ numerical: {} }, undefined, ["1", "x"])).toThrow(
      "failed to parse invalid numeric value 'x'",
    );
  });

  it("reports no match and empty lists as NoMatchingTagError", () => {
    expect(() => selectLatestTag({ semver: { range: ">=9" } }, undefined, tags)).toThrow(NoMatchingTagError);
    expect(() => selectLatestTag({ alphabetical: {} }, { pattern: "^nothing$" }, tags)).toThrow(
      "version list argument cannot be empty",
    );
  });

  it("refuses bad ranges, patterns and policy choices as InvalidPolicyError", () => {
    expect(() => selectLatestTag({ semver: { range: "not a range" } }, undefined, tags)).toThrow(InvalidPolicyError);
    expect(() => selectLatestTag({ alphabetical: {} }, { pattern: "(" }, tags)).toThrow(
      /invalid regular expression pattern/,
    );
    expect(() => selectLatestTag({}, undefined, tags)).toThrow("given ImagePolicy spec has no policy");
  });
});

describe("expandGo", () => {
  it("expands numbered, named and braced groups like Go's ExpandString", () => {
    const re = compileGoRegexp("^(?P<a>[a-z]+)-(\\d+)$");
    expect(expandGo(re, "$a/$2/${1}x/$$/$missing/", "abc-42")).toBe("abc/42/abcx/$//");
    expect(expandGo(re, "$a", "nope")).toBeUndefined();
  });
});
