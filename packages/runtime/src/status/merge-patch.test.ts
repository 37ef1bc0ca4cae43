import { describe, expect, it } from "vitest";
import { applyMergePatch, createMergePatch, isEmptyPatch, jsonEqual } from "./merge-patch.js";

describe("createMergePatch", () => {
  it.each([
    { name: "no change", from: { a: 1, b: { c: [1] } }, to: { a: 1, b: { c: [1] } }, patch: {} },
    { name: "changed scalar", from: { a: 1, b: 2 }, to: { a: 1, b: 3 }, patch: { b: 3 } },
    { name: "added member", from: { a: 1 }, to: { a: 1, n: { x: "y" } }, patch: { n: { x: "y" } } },
    { name: "removed member becomes null", from: { a: 1, gone: "x" }, to: { a: 1 }, patch: { gone: null } },
    {
      name: "undefined member counts as removed",
      from: { a: 1, gone: "x" },
      to: { a: 1, gone: undefined },
      patch: { gone: null },
    },
    {
      name: "nested objects diff recursively",
      from: { s: { a: 1, b: 2 } },
      to: { s: { a: 1, b: 5 } },
      patch: { s: { b: 5 } },
    },
    { name: "arrays are replaced whole", from: { l: [1, 2, 3] }, to: { l: [1, 2] }, patch: { l: [1, 2] } },
    {
      name: "a status with a new artifact and one changed condition",
      from: {
        observedGeneration: 1,
        artifact: { revision: "main@sha1:aaa", digest: "sha256:1" },
        conditions: [{ type: "Ready", status: "True" }],
      },
      to: {
        observedGeneration: 2,
        artifact: { revision: "main@sha1:bbb", digest: "sha256:2" },
        conditions: [{ type: "Ready", status: "False" }],
      },
      patch: {
        observedGeneration: 2,
        artifact: { revision: "main@sha1:bbb", digest: "sha256:2" },
        conditions: [{ type: "Ready", status: "False" }],
      },
    },
  ])("$name", ({ from, to, patch }) => {
    const computed = createMergePatch(from, to);
    expect(computed).toEqual(patch);
    expect(jsonEqual(applyMergePatch(from, computed), to)).toBe(true);
  });

  it("does not alias the target's values", () => {
    const to = { list: [{ a: 1 }] };
    const patch = createMergePatch({}, to) as { list: Array<{ a: number }> };
    patch.list[0]!.a = 2;
    expect(to.list[0]?.a).toBe(1);
  });

  it("knows empty patches", () => {
    expect(isEmptyPatch({})).toBe(true);
    expect(isEmptyPatch({ a: null })).toBe(false);
  });
});
