import { describe, expect, it } from "vitest";
import { quantityValue } from "./quantity.js";

describe("quantityValue", () => {
  it("reads binary, decimal and exponent suffixes", () => {
    expect(quantityValue("1Gi")).toBe(2 ** 30);
    expect(quantityValue("1536Mi")).toBe(1.5 * 2 ** 30);
    expect(quantityValue("3G")).toBe(3e9);
    expect(quantityValue("100m")).toBeCloseTo(0.1);
    expect(quantityValue("2e3")).toBe(2000);
    expect(quantityValue("0.5")).toBe(0.5);
    expect(quantityValue("12")).toBe(12);
  });

  it("rejects text that is not a quantity", () => {
    for (const t of ["", "Gi", "1 Gi", "1GB", "abc", "1.2.3"]) expect(quantityValue(t)).toBeUndefined();
  });
});
