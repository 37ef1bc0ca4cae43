import { describe, expect, it } from "vitest";
import { mergeValues } from "./merge-values.js";
import { parseTargetPath, setAtTargetPath, TargetPathError, typedSetValue } from "./target-path.js";

describe("targetPath (Helm --set path syntax)", () => {
  it.each([
    ["a.b.c", [{ key: "a" }, { key: "b" }, { key: "c" }]],
    ["a\\.b.c", [{ key: "a.b" }, { key: "c" }]],
    ["list[2].name", [{ key: "list" }, { index: 2 }, { key: "name" }]],
    ["m[0][1]", [{ key: "m" }, { index: 0 }, { index: 1 }]],
  ])("parses %s", (path, expected) => {
    expect(parseTargetPath(path)).toEqual(expected);
  });

  it.each(["", "a..b", "a[x]", "a[123456]"])("rejects %j naming the path", (path) => {
    expect(() => parseTargetPath(path)).toThrow(TargetPathError);
  });

  it.each([
    ["true", true],
    ["false", false],
    ["null", null],
    ["42", 42],
    ["-7", -7],
    ["007", "007"],
    ["1.5", "1.5"],
    ["text", "text"],
  ])("types --set value %j as %j", (value, expected) => {
    expect(typedSetValue(value)).toEqual(expected);
  });

  it("creates maps and lists on the way, padding lists with null", () => {
    const values: Record<string, unknown> = { a: { keep: 1 } };
    setAtTargetPath(values, "a.b.c", "9");
    setAtTargetPath(values, "l[2].name", "x");
    expect(values).toEqual({ a: { keep: 1, b: { c: 9 } }, l: [null, null, { name: "x" }] });
  });

  it("keeps the value a string with literal", () => {
    const values: Record<string, unknown> = {};
    setAtTargetPath(values, "port", "8080", true);
    expect(values).toEqual({ port: "8080" });
  });
});

describe("mergeValues", () => {
  it("merges maps recursively and replaces lists and scalars", () => {
    expect(mergeValues({ a: { x: 1, y: [1, 2] }, b: 1 }, { a: { y: [3], z: 2 }, b: { c: 1 } })).toEqual({
      a: { x: 1, y: [3], z: 2 },
      b: { c: 1 },
    });
  });
});
