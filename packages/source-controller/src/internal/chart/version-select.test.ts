import semver from "semver";
import { describe, expect, it } from "vitest";
import type { IndexChartVersion } from "../helm/index.js";
import { ChartReferenceError, parseVersionConstraint, selectIndexVersion } from "./version-select.js";

const entries = (versions: Array<string | [string, string]>): Record<string, IndexChartVersion[]> => ({
  app: versions.map((v) =>
    Array.isArray(v)
      ? { name: "app", version: v[0], created: v[1], urls: [`app-${v[0]}-${v[1]}.tgz`] }
      : { name: "app", version: v, urls: [`app-${v}.tgz`] },
  ),
});

describe("selectIndexVersion", () => {
  const index = entries(["1.0.0", "1.2.0", "1.10.1", "2.0.0-rc.1", "0.9.0", "v3"]);

  it.each([
    [undefined, "v3"],
    ["", "v3"],
    ["*", "v3"],
    [">=1.0.0 <2.0.0", "1.10.1"],
    [">=1.0.0, <2.0.0", "1.10.1"],
    ["~1.2", "1.2.0"],
    ["^1.0.0", "1.10.1"],
    ["1.2.x", "1.2.0"],
    ["<1.0.0", "0.9.0"],
    [">=2.0.0-0 <3.0.0", "2.0.0-rc.1"],
    ["2.0.0-rc.1", "2.0.0-rc.1"],
    ["v3", "v3"],
    [">=3.0.0", "v3"],
  ])("version %j selects %s", (range, expected) => {
    expect(selectIndexVersion(index, "app", range).version).toBe(expected);
  });

  it("breaks ties between equal versions by the latest created", () => {
    const tied = entries([
      ["1.0.0+a", "2024-01-01T00:00:00Z"],
      ["1.0.0+b", "2024-03-01T00:00:00Z"],
      ["1.0.0+c", "2024-02-01T00:00:00Z"],
    ]);
    expect(selectIndexVersion(tied, "app", "*").version).toBe("1.0.0+b");
  });

  it.each([
    ["other", "*", "no chart name found"],
    ["app", ">=9.0.0", "no 'app' chart with version matching '>=9.0.0' found"],
    ["app", "not a range!", "improper constraint: not a range!"],
  ])("chart %s version %s fails with %j", (name, range, message) => {
    expect(() => selectIndexVersion(index, name, range)).toThrow(new ChartReferenceError(message));
  });

  it("a chart without versions has no chart version", () => {
    expect(() => selectIndexVersion({ app: [] }, "app", "*")).toThrow("no chart version found");
  });

  it("does not take inherited object keys for chart names", () => {
    expect(() => selectIndexVersion(index, "constructor", "*")).toThrow("no chart name found");
  });
});

describe("parseVersionConstraint", () => {
  it("excludes prereleases unless the constraint names one", () => {
    const v = semver.parse("1.5.0-beta.1") as semver.SemVer;
    expect(parseVersionConstraint(">=1.0.0").test(v)).toBe(false);
    expect(parseVersionConstraint(">=1.0.0-0").test(v)).toBe(true);
  });
});
