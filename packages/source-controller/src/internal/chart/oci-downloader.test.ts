import { describe, expect, it } from "vitest";
import { selectTag } from "./oci-downloader.js";

describe("selectTag", () => {
  const tags = ["1.0.0", "1.1.0", "1.10.0+build.1", "2.0.0-rc.1", "latest", "0.9.0"];

  it.each([
    [undefined, "1.10.0+build.1"],
    ["*", "1.10.0+build.1"],
    ["1.x", "1.10.0+build.1"],
    ["~1.1", "1.1.0"],
    ["<1.0.0", "0.9.0"],
    [">=2.0.0-0", "2.0.0-rc.1"],
    ["latest", "latest"],
  ])("version %j selects tag %s", (version, expected) => {
    expect(selectTag(tags, version)).toBe(expected);
  });

  it("names the version string when nothing matches", () => {
    expect(() => selectTag(tags, ">=5.0.0")).toThrow(
      "could not locate a version matching provided version string >=5.0.0",
    );
  });
});
