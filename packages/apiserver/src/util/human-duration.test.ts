import { describe, expect, it } from "vitest";
import { humanDuration } from "./human-duration.js";

describe("humanDuration (kubectl AGE)", () => {
  it.each<[number, string]>([
    [5_000, "5s"],
    [119_000, "119s"],
    [150_000, "2m30s"],
    [600_000, "10m"],
    [3 * 3600_000 + 60_000, "3h1m"],
    [30 * 3600_000, "30h"],
    [3 * 86400_000 + 4 * 3600_000, "3d4h"],
    [40 * 86400_000, "40d"],
    [800 * 86400_000, "2y70d"],
  ])("%i ms -> %s", (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});
