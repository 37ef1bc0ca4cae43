import { describe, expect, it } from "vitest";
import { goDuration } from "./decode.js";

describe("protobuf helpers", () => {
  it.each<[bigint, string]>([
    [0n, "0s"],
    [1_500_000n, "1.5ms"],
    [90_000_000_000n, "1m30s"],
    [3_600_000_000_000n, "1h0m0s"],
    [-2_000_000_000n, "-2s"],
  ])("formats %s ns like Go as %s", (ns, text) => {
    expect(goDuration(ns)).toBe(text);
  });
});
