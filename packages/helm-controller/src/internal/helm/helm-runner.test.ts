import { describe, expect, it } from "vitest";
import { helmErrorText } from "./helm-runner.js";

describe("helmErrorText", () => {
  it("drops Error: prefixes, warnings and blank lines", () => {
    const stderr = 'WARNING: something\n\nError: INSTALLATION FAILED: boom\nlevel=WARN msg="x"\n';
    expect(helmErrorText(stderr)).toBe("INSTALLATION FAILED: boom");
  });
  it("never returns an empty message", () => {
    expect(helmErrorText("\n")).toBe("helm failed without an error message");
  });
});
