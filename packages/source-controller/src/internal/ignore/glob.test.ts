import { describe, expect, it } from "vitest";
import { compileGlob, globMatch } from "./glob.js";

describe("globMatch (Go filepath.Match semantics)", () => {
  const cases: [pattern: string, name: string, match: boolean][] = [
    ["abc", "abc", true],
    ["*", "abc", true],
    ["*c", "abc", true],
    ["a*", "a", true],
    ["a*", "abc", true],
    ["a*", "ab/c", false],
    ["a*b*c*d*e*/f", "axbxcxdxe/f", true],
    ["ab[c]", "abc", true],
    ["ab[b-d]", "abc", true],
    ["ab[e-g]", "abc", false],
    ["ab[^c]", "abc", false],
    ["ab[^b-d]", "abc", false],
    ["ab[^e-g]", "abc", true],
    ["a\\*b", "a*b", true],
    ["a\\*b", "ab", false],
    ["a?b", "a☺b", true],
    ["a[^a]b", "a☺b", true],
    ["a???b", "a☺b", false],
    ["[a-ζ]*", "α", true],
    ["*[a-ζ]", "A", false],
    ["a?b", "a/b", false],
    ["[\\]a]", "]", true],
    ["[\\-]", "-", true],
    ["[x\\-]", "x", true],
    ["[x\\-]", "-", true],
    ["[x\\-]", "z", false],
    ["*.tar.gz", "a.tar.gz", true],
    ["*.tar.gz", "a.tgz", false],
    ["[z-a]", "m", false],
    ["[^z-a]", "m", true],
    // Malformed patterns never match.
    ["[]a]", "]", false],
    ["[-]", "-", false],
    ["[x-]", "x", false],
    ["[a-b-c]", "a", false],
    ["[", "a", false],
    ["[^", "a", false],
    ["a\\", "a", false],
    ["*x\\", "xxx", false],
  ];
  it.each(cases)("%j vs %j → %s", (pattern, name, match) => {
    expect(globMatch(pattern, name)).toBe(match);
  });

  it("reports malformed patterns as null", () => {
    expect(compileGlob("[")).toBeNull();
    expect(compileGlob("ok*")).not.toBeNull();
  });
});
