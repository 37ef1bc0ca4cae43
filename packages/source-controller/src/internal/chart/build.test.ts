import { describe, expect, it } from "vitest";
import { buildSummary, emptyBuild, reasonForBuild } from "./build.js";

describe("buildSummary", () => {
  it.each([
    [{}, "no chart build", ""],
    [{ name: "app", version: "1.0.0" }, "new 'app' chart with version '1.0.0'", ""],
    [{ name: "app", version: "1.0.0", path: "/x" }, "pulled 'app' chart with version '1.0.0'", "ChartPullSucceeded"],
    [
      { name: "app", version: "1.0.0+2", path: "/x", packaged: true, valuesFiles: ["a.yaml", "b.yaml"] },
      "packaged 'app' chart with version '1.0.0+2' and merged values files [a.yaml b.yaml]",
      "ChartPackageSucceeded",
    ],
  ])("%j → %s", (fields, summary, reason) => {
    const build = { ...emptyBuild(), ...fields };
    expect(buildSummary(build)).toBe(summary);
    expect(reasonForBuild(build)).toBe(reason);
  });
});
