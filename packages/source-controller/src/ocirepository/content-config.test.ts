import type { OCIRepository } from "@sluice/api";
import { describe, expect, it } from "vitest";
import { ociContentConfigChanged } from "./content-config.js";

const obj = (spec: Partial<OCIRepository["spec"]>, status: OCIRepository["status"]): OCIRepository =>
  ({
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "OCIRepository",
    metadata: { name: "x", namespace: "y" },
    spec: { url: "oci://r.io/a", interval: "1m", ...spec },
    status,
  }) as OCIRepository;

describe("ociContentConfigChanged", () => {
  it.each([
    ["nothing set", {}, {}, false],
    ["same ignore", { ignore: "a/" }, { observedIgnore: "a/" }, false],
    ["ignore added", { ignore: "a/" }, {}, true],
    ["ignore removed", {}, { observedIgnore: "a/" }, true],
    ["same selector", { layerSelector: { mediaType: "m" } }, { observedLayerSelector: { mediaType: "m" } }, false],
    [
      "operation changed",
      { layerSelector: { mediaType: "m", operation: "copy" as const } },
      { observedLayerSelector: { mediaType: "m" } },
      true,
    ],
    ["selector removed", {}, { observedLayerSelector: { mediaType: "m" } }, true],
  ])("%s", (_name, spec, status, changed) => {
    expect(ociContentConfigChanged(obj(spec, status))).toBe(changed);
  });
});
