import { describe, expect, it } from "vitest";
import { loadCrds } from "./crds.js";

describe("loadCrds", () => {
  const names = async (components?: string[]) =>
    (await loadCrds({}, components)).map((c) => c.metadata.name ?? "").filter((n) => n.includes("extensions"));

  it("leaves source-watcher's ArtifactGenerator CRD out unless the component runs, as flux install does", async () => {
    expect(await names()).toEqual([]);
    expect(await names(["source-watcher"])).toEqual(["artifactgenerators.source.extensions.fluxcd.io"]);
    expect((await loadCrds({})).map((c) => c.metadata.name)).toContain("externalartifacts.source.toolkit.fluxcd.io");
  });

  it("names the component whose CRDs are missing", async () => {
    await expect(loadCrds({}, ["nope"])).rejects.toThrow(/CRD manifests of nope not found/);
  });
});
