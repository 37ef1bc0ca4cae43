import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { crdFor } from "../../crd/crd-for.js";
import { applyDefaults, validateObject } from "../../validation/validate.js";
import { completeFragment } from "../kustomize/testdata/complete-fragment.js";
import { unknownFields } from "../kustomize/testdata/unknown-fields.js";
import { type ImagePolicy, ImagePolicyKind } from "./image-policy.js";
import { formatImageRef } from "./image-ref.js";

// Every ImagePolicy in image-reflector-controller's docs/spec/v1/imagepolicies.md (@debe2aa).
const examples = parseAllDocuments(
  readFileSync(new URL("./testdata/imagepolicy-examples.yaml", import.meta.url), "utf8"),
).map((d) => d.toJS() as ImagePolicy);

const base: ImagePolicy = {
  apiVersion: "image.toolkit.fluxcd.io/v1",
  kind: "ImagePolicy",
  metadata: { name: "podinfo", namespace: "flux-system" },
  spec: { imageRepositoryRef: { name: "podinfo" }, policy: { semver: { range: "5.x" } } },
};

function withSpec(spec: Record<string, unknown>): unknown {
  return { ...base, spec: { ...base.spec, ...spec } };
}

describe("ImagePolicy schema", () => {
  it("has the documented examples to check", () => {
    expect(examples).toHaveLength(8);
  });

  const withStatusTypo = (e: ImagePolicy) => JSON.stringify(e.status ?? {}).includes('"image"');

  it.each(examples.filter((e) => !withStatusTypo(e)).map((e, i) => [i, e] as const))(
    "accepts docs example #%i",
    (_i, example) => {
      // A fragment about filterTags leaves out the policy; only missing required fields are filled in.
      const obj = completeFragment({ spec: { policy: { alphabetical: {} } } }, example);
      expect(validateObject(ImagePolicyKind, obj)).toEqual([]);
      expect(unknownFields(ImagePolicyKind, obj)).toEqual([]);
    },
  );

  it("flags the docs' status example, which writes latestRef.image where the API field is name", () => {
    const typo = examples.filter(withStatusTypo);
    expect(typo).toHaveLength(1);
    const example = typo[0]!;
    expect(validateObject(ImagePolicyKind, { ...example, status: undefined })).toEqual([]);
    expect(validateObject(ImagePolicyKind, example).map((e) => e.field)).toEqual([
      "status.latestRef.name",
      "status.observedPreviousRef.name",
    ]);
  });

  it("defaults digestReflectionPolicy to Never and alphabetical/numerical order to asc", () => {
    const out = applyDefaults(
      ImagePolicyKind,
      withSpec({ policy: { alphabetical: {}, numerical: {} } }),
    ) as ImagePolicy;
    expect(out.spec.digestReflectionPolicy).toBe("Never");
    expect(out.spec.policy.alphabetical?.order).toBe("asc");
    expect(out.spec.policy.numerical?.order).toBe("asc");
  });

  it("accepts an interval with digestReflectionPolicy Always", () => {
    expect(validateObject(ImagePolicyKind, withSpec({ digestReflectionPolicy: "Always", interval: "10m" }))).toEqual(
      [],
    );
  });

  it.each([
    [
      "interval without Always",
      { interval: "10m" },
      "spec",
      /spec.interval is only accepted when spec.digestReflectionPolicy is set to 'Always'/,
    ],
    [
      "interval with IfNotPresent",
      { interval: "10m", digestReflectionPolicy: "IfNotPresent" },
      "spec",
      /spec.interval is only accepted when spec.digestReflectionPolicy is set to 'Always'/,
    ],
    [
      "Always without interval",
      { digestReflectionPolicy: "Always" },
      "spec",
      /spec.interval must be set when spec.digestReflectionPolicy is set to 'Always'/,
    ],
    [
      "unknown reflection policy",
      { digestReflectionPolicy: "Sometimes" },
      "spec.digestReflectionPolicy",
      /Unsupported/,
    ],
    ["unknown order", { policy: { numerical: { order: "up" } } }, "spec.policy.numerical.order", /Unsupported/],
    ["semver without range", { policy: { semver: {} } }, "spec.policy.semver.range", /Required value/],
    ["bad interval", { digestReflectionPolicy: "Always", interval: "often" }, "spec.interval", /should match/],
  ])("rejects %s naming the field", (_name, patch, field, message) => {
    const errors = validateObject(ImagePolicyKind, withSpec(patch));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.field).toBe(field);
    expect(errors[0]?.message).toMatch(message);
  });

  it.each([
    ["imageRepositoryRef", "spec.imageRepositoryRef"],
    ["policy", "spec.policy"],
  ])("requires spec.%s", (key, field) => {
    const spec: Record<string, unknown> = { ...base.spec };
    delete spec[key];
    expect(validateObject(ImagePolicyKind, { ...base, spec })).toEqual([
      { type: "FieldValueRequired", field, message: "Required value" },
    ]);
  });

  it("formats image references as name:tag[@digest]", () => {
    expect(formatImageRef({ name: "ghcr.io/a/b", tag: "1.0" })).toBe("ghcr.io/a/b:1.0");
    expect(formatImageRef({ name: "ghcr.io/a/b", tag: "1.0", digest: "sha256:ab" })).toBe("ghcr.io/a/b:1.0@sha256:ab");
  });
});

describe("ImagePolicy CRD", () => {
  it("has Flux's names and printer columns", () => {
    const crd = crdFor(ImagePolicyKind) as {
      metadata: { name: string };
      spec: { names: Record<string, unknown>; versions: Record<string, unknown>[] };
    };
    expect(crd.metadata.name).toBe("imagepolicies.image.toolkit.fluxcd.io");
    expect(crd.spec.names).toEqual({
      kind: "ImagePolicy",
      listKind: "ImagePolicyList",
      plural: "imagepolicies",
      singular: "imagepolicy",
      shortNames: ["imgpol", "imagepol"],
      categories: ["all", "fluxcd", "fluxcd-images"],
    });
    expect(crd.spec.versions[0]).toMatchObject({
      name: "v1",
      subresources: { status: {} },
      additionalPrinterColumns: [
        { name: "Image", type: "string", jsonPath: ".status.latestRef.name" },
        { name: "Tag", type: "string", jsonPath: ".status.latestRef.tag" },
        { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
        { name: "Status", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].message' },
        { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
      ],
    });
  });
});
