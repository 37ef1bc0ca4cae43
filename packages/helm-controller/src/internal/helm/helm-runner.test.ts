import { describe, expect, it } from "vitest";
import { helmErrorText } from "./helm-runner.js";

describe("helmErrorText", () => {
  it("keeps the error the action returned: no Error: prefix, CLI wrapping, warnings, logs or blank lines", () => {
    const stderr =
      'WARNING: something\n\nlevel=ERROR msg="release name check failed" error="in use"\nError: INSTALLATION FAILED: boom\nlevel=WARN msg="x"\n';
    expect(helmErrorText(stderr)).toBe("boom");
    expect(helmErrorText("Error: UPGRADE FAILED: pre-upgrade hooks failed")).toBe("pre-upgrade hooks failed");
  });
  it("keeps other lines when helm printed no Error: line", () => {
    expect(helmErrorText('level=ERROR msg="x"\nsignal: killed')).toBe('level=ERROR msg="x"\nsignal: killed');
  });
  it("never returns an empty message", () => {
    expect(helmErrorText("\n")).toBe("helm failed without an error message");
  });
});
