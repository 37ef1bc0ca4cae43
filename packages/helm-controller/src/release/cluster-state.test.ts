import { describe, expect, it } from "vitest";
import { countPatch } from "./cluster-state.js";

describe("countPatch", () => {
  it.each([
    ["a changed scalar", { a: 1 }, { a: 2 }, [0, 1, 0]],
    ["added and removed keys", { a: 1, b: 2 }, { a: 1, c: 3 }, [1, 0, 1]],
    ["a longer list (appended items)", { l: [1] }, { l: [1, 2, 3] }, [2, 0, 0]],
    ["a shorter list (removed items) and a changed item", { l: [1, 2, 3] }, { l: [9] }, [0, 1, 2]],
    ["nested objects", { s: { r: 1, t: { u: "x" } } }, { s: { r: 4, t: { u: "y", v: 1 } } }, [1, 2, 0]],
    ["equal values", { a: [{ b: 1 }] }, { a: [{ b: 1 }] }, [0, 0, 0]],
  ])("counts %s", (_name, from, to, [additions, changes, removals]) => {
    expect(countPatch(from, to)).toEqual({ additions, changes, removals });
  });
});
