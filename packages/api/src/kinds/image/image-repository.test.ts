import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { crdFor } from "../../crd/crd-for.js";
import { applyDefaults, validateObject } from "../../validation/validate.js";
import { unknownFields } from "../kustomize/testdata/unknown-fields.js";
import { type ImageRepository, ImageRepositoryKind } from "./image-repository.js";

// Every ImageRepository in image-reflector-controller's docs/spec/v1/imagerepositories.md (@debe2aa).
const examples = parseAllDocuments(
  readFileSync(new URL("./testdata/imagerepository-examples.yaml", import.meta.url), "utf8"),
).map((d) => d.toJS() as ImageRepository);

const base: ImageRepository = {
  apiVersion: "image.toolkit.fluxcd.io/v1",
  kind: "ImageRepository",
  metadata: { name: "podinfo", namespace: "flux-system" },
  spec: { image: "ghcr.io/stefanprodan/podinfo", interval: "5m" },
};

function withSpec(spec: Record<string, unknown>): unknown {
  return { ...base, spec: { ...base.spec, ...spec } };
}

describe("ImageRepository schema", () => {
  it("has the documented examples to check", () => {
    expect(examples).toHaveLength(8);
  });

  it.each(examples.map((e, i) => [i, e] as const))("accepts docs example #%i", (_i, example) => {
    // Fragments leave out interval or image; only those are filled in.
    const obj = {
      ...example,
      spec: { interval: "5m", image: "ghcr.io/x/y", ...(example.spec as Partial<ImageRepository["spec"]>) },
    };
    expect(validateObject(ImageRepositoryKind, obj)).toEqual([]);
    expect(unknownFields(ImageRepositoryKind, obj)).toEqual([]);
  });

  it("defaults provider to generic and exclusionList to cosign signature tags", () => {
    const out = applyDefaults(ImageRepositoryKind, base) as ImageRepository;
    expect(out.spec.provider).toBe("generic");
    expect(out.spec.exclusionList).toEqual(["^.*\\.sig$"]);
  });

  it.each([
    ["bad interval", { interval: "1 day" }, "spec.interval", /should match/],
    ["timeout in hours", { timeout: "1h" }, "spec.timeout", /should match/],
    ["unknown provider", { provider: "oracle" }, "spec.provider", /Unsupported value: "oracle"/],
    [
      "too many exclusions",
      { exclusionList: Array.from({ length: 26 }, (_, i) => `^${i}$`) },
      "spec.exclusionList",
      /must NOT have more than 25 items/,
    ],
    ["accessFrom without selectors", { accessFrom: {} }, "spec.accessFrom.namespaceSelectors", /Required value/],
  ])("rejects %s naming the field", (_name, patch, field, message) => {
    const errors = validateObject(ImageRepositoryKind, withSpec(patch));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.field).toBe(field);
    expect(errors[0]?.message).toMatch(message);
  });

  it.each([
    ["image", "spec.image"],
    ["interval", "spec.interval"],
  ])("requires spec.%s", (key, field) => {
    const spec: Record<string, unknown> = { ...base.spec };
    delete spec[key];
    expect(validateObject(ImageRepositoryKind, { ...base, spec })).toEqual([
      { type: "FieldValueRequired", field, message: "Required value" },
    ]);
  });
});

describe("ImageRepository CRD", () => {
  it("has Flux's names and printer columns", () => {
    const crd = crdFor(ImageRepositoryKind) as {
      metadata: { name: string };
      spec: { names: Record<string, unknown>; versions: Record<string, unknown>[] };
    };
    expect(crd.metadata.name).toBe("imagerepositories.image.toolkit.fluxcd.io");
    expect(crd.spec.names).toEqual({
      kind: "ImageRepository",
      listKind: "ImageRepositoryList",
      plural: "imagerepositories",
      singular: "imagerepository",
      shortNames: ["imgrepo", "imagerepo"],
      categories: ["all", "fluxcd", "fluxcd-images"],
    });
    expect(crd.spec.versions[0]).toMatchObject({
      name: "v1",
      subresources: { status: {} },
      additionalPrinterColumns: [
        { name: "Image", type: "string", jsonPath: ".spec.image" },
        { name: "Tags", type: "string", jsonPath: ".status.lastScanResult.tagCount" },
        { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
        { name: "Status", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].message' },
        { name: "Last scan", type: "string", jsonPath: ".status.lastScanResult.scanTime", priority: 1 },
        { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
      ],
    });
  });
});
