import { describe, expect, it } from "vitest";
import { humanSize } from "./human-size.js";

describe("humanSize", () => {
  it.each([
    [0, "0B"],
    [512, "512B"],
    [1000, "1kB"],
    [1234, "1.234kB"],
    [12_345, "12.35kB"],
    [2_500_000, "2.5MB"],
  ])("%d → %s", (size, text) => {
    expect(humanSize(size)).toBe(text);
  });
});
