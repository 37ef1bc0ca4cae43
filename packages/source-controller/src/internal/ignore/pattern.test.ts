import { describe, expect, it } from "vitest";
import { IgnoreMatcher } from "./matcher.js";
import { MatchResult, matchPattern, parsePattern } from "./pattern.js";

describe("parsePattern", () => {
  it("parses inclusion, directory-only and anchored forms", () => {
    expect(parsePattern("!foo/")).toMatchObject({ inclusion: true, dirOnly: true, anchored: false, segments: ["foo"] });
    expect(parsePattern("/a/b")).toMatchObject({ anchored: true, segments: ["", "a", "b"] });
    expect(parsePattern("x   ").segments).toEqual(["x"]);
    expect(parsePattern("x\\ ").segments).toEqual(["x\\ "]);
  });
});

describe("matchPattern", () => {
  // [pattern, domain, path, isDir, expected]
  const cases: [string, string[], string, boolean, number][] = [
    ["foo", [], "foo", false, MatchResult.Exclude],
    ["foo", [], "a/b/foo", false, MatchResult.Exclude],
    ["foo", [], "foo/bar.txt", false, MatchResult.Exclude], // a name pattern matches any ancestor
    ["foo", [], "foobar", false, MatchResult.None],
    ["*.yaml", [], "deploy/app.yaml", false, MatchResult.Exclude],
    ["!keep.yaml", [], "deploy/keep.yaml", false, MatchResult.Include],
    ["foo/", [], "foo", false, MatchResult.None], // a file is not a directory
    ["foo/", [], "foo", true, MatchResult.Exclude],
    ["foo/", [], "foo/file", false, MatchResult.Exclude],
    ["/foo", [], "foo", false, MatchResult.Exclude],
    ["/foo", [], "a/foo", false, MatchResult.None], // anchored to the domain
    ["a/b", [], "a/b", false, MatchResult.Exclude],
    ["a/b", [], "a/b/c", false, MatchResult.Exclude], // and everything beneath
    ["a/b", [], "x/a/b", false, MatchResult.None],
    ["a/*.txt", [], "a/x.txt", false, MatchResult.Exclude],
    ["a/*.txt", [], "a/b/x.txt", false, MatchResult.None],
    ["**/foo", [], "foo", false, MatchResult.Exclude],
    ["**/foo", [], "a/b/foo", false, MatchResult.Exclude],
    ["a/**/b", [], "a/b", false, MatchResult.Exclude],
    ["a/**/b", [], "a/x/y/b", false, MatchResult.Exclude],
    ["a/**/b", [], "a/x/y/c", false, MatchResult.None],
    ["a/**", [], "a/x", false, MatchResult.Exclude],
    ["a/**", [], "b/x", false, MatchResult.None],
    ["a/**/", [], "a/x", false, MatchResult.Exclude],
    ["x**/y", [], "x/y", false, MatchResult.None], // `**` inside a segment is unsupported
    // Domains: patterns from sub/.sourceignore only apply below sub/.
    ["*.txt", ["sub"], "sub/a.txt", false, MatchResult.Exclude],
    ["*.txt", ["sub"], "a.txt", false, MatchResult.None],
    ["*.txt", ["sub"], "other/sub/a.txt", false, MatchResult.None],
    ["/a.txt", ["sub"], "sub/a.txt", false, MatchResult.Exclude],
    ["/a.txt", ["sub"], "sub/x/a.txt", false, MatchResult.None],
    ["x", ["sub"], "sub", true, MatchResult.None], // the domain itself is never matched
  ];
  it.each(cases)("%j in %j vs %j (dir=%s) → %i", (pattern, domain, path, isDir, expected) => {
    expect(matchPattern(parsePattern(pattern, domain), path.split("/"), isDir)).toBe(expected);
  });
});

describe("IgnoreMatcher", () => {
  it("lets the last matching pattern decide", () => {
    const m = new IgnoreMatcher(["*.yaml", "!keep.yaml", "keep.yaml"].map((p) => parsePattern(p)));
    expect(m.excludes(["a.yaml"], false)).toBe(true);
    expect(m.excludes(["keep.yaml"], false)).toBe(true);
    const m2 = new IgnoreMatcher(["*.yaml", "!keep.yaml"].map((p) => parsePattern(p)));
    expect(m2.excludes(["keep.yaml"], false)).toBe(false);
    expect(m2.excludes(["README.md"], false)).toBe(false);
    expect(m2.excludedDirectoriesArePruned).toBe(false);
    expect(new IgnoreMatcher([parsePattern("x")]).excludedDirectoriesArePruned).toBe(true);
  });
});
