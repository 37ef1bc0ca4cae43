import { describe, expect, it } from "vitest";
import { GlobPatternError, globToRegExp, hasGlobChars } from "./glob.js";

describe("globToRegExp", () => {
  const cases: Array<[string, boolean, string, boolean]> = [
    ["apps/base/**", false, "apps/base/podinfo", true],
    ["apps/base/**", false, "apps/base/podinfo/release.yaml", false],
    ["deploy/*.yaml", false, "deploy/a.yaml", true],
    ["deploy/*.yaml", false, "deploy/sub/a.yaml", false],
    ["deploy/?.yaml", false, "deploy/a.yaml", true],
    ["deploy/[ab].yaml", false, "deploy/c.yaml", false],
    ["deploy/[^ab].yaml", false, "deploy/c.yaml", true],
    ["**/testdata/**", true, "x/y/testdata/file", true],
    ["**/testdata/**", true, "testdata/file", true],
    ["subdir/**", true, "subdir/a/b.yaml", true],
    ["releases/**/*.tgz", true, "releases/a.tgz", true],
    ["releases/**/*.tgz", true, "releases/1/2/a.tgz", true],
    ["*.md", true, "docs/readme.md", false],
  ];
  it.each(cases)("%s (doublestar %s) on %s → %s", (pattern, doublestar, path, expected) => {
    expect(globToRegExp(pattern, doublestar).test(path)).toBe(expected);
  });

  it("refuses an unclosed character class", () => {
    expect(() => globToRegExp("a/[bc", false)).toThrow(GlobPatternError);
  });

  it("tells glob patterns from plain paths", () => {
    expect(hasGlobChars("apps/**")).toBe(true);
    expect(hasGlobChars("apps/base/")).toBe(false);
  });
});
