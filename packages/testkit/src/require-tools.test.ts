import { afterEach, describe, expect, it, vi } from "vitest";
import { inCi, missingTools, requireTools } from "./require-tools.js";

describe("requireTools", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it("names each missing tool and why", () => {
    expect(missingTools(["sh", "no-such-tool-xyz"])).toEqual(["no-such-tool-xyz (not found on PATH)"]);
  });

  it("passes when every tool is there", () => {
    expect(requireTools("sh")).toEqual({ skip: false });
  });

  it("fails in CI when a tool is missing", () => {
    vi.stubEnv("CI", "true");
    expect(inCi()).toBe(true);
    expect(() => requireTools("no-such-tool-xyz")).toThrow(
      /^required tools missing: no-such-tool-xyz \(not found on PATH\).*CI=true/,
    );
  });

  it("skips outside CI, printing the reason", () => {
    vi.stubEnv("CI", "");
    const printed = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const check = requireTools("no-such-tool-xyz");
    expect(check.skip).toBe(true);
    expect(check.reason).toContain("no-such-tool-xyz");
    expect(printed).toHaveBeenCalledWith(expect.stringContaining("skipping test suite: required tools missing"));
  });
});
