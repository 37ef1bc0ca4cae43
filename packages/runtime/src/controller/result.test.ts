import { describe, expect, it } from "vitest";
import { DONE, earliestResult, requeueAfter } from "./result.js";

describe("reconcile results", () => {
  it.each([
    { a: DONE, b: DONE, want: DONE },
    { a: requeueAfter(10), b: DONE, want: requeueAfter(10) },
    { a: DONE, b: requeueAfter(5), want: requeueAfter(5) },
    { a: requeueAfter(10), b: requeueAfter(5), want: requeueAfter(5) },
  ])("earliest of $a and $b is $want", ({ a, b, want }) => {
    expect(earliestResult(a, b)).toEqual(want);
  });

  it("rejects negative delays", () => {
    expect(() => requeueAfter(-1)).toThrow(RangeError);
  });
});
