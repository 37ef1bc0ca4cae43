import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { crdFor } from "../../crd/crd-for.js";
import { applyDefaults, validateObject } from "../../validation/validate.js";
import { completeFragment } from "../kustomize/testdata/complete-fragment.js";
import { unknownFields } from "../kustomize/testdata/unknown-fields.js";
import { type ImageUpdateAutomation, ImageUpdateAutomationKind } from "./image-update-automation.js";

// Every ImageUpdateAutomation in image-automation-controller's docs/spec/v1/imageupdateautomations.md (@d36e2ea).
const examples = parseAllDocuments(
  readFileSync(new URL("./testdata/imageupdateautomation-examples.yaml", import.meta.url), "utf8"),
).map((d) => d.toJS() as ImageUpdateAutomation);

const base: ImageUpdateAutomation = {
  apiVersion: "image.toolkit.fluxcd.io/v1",
  kind: "ImageUpdateAutomation",
  metadata: { name: "flux-system", namespace: "flux-system" },
  spec: {
    interval: "30m",
    sourceRef: { kind: "GitRepository", name: "flux-system" },
    git: { commit: { author: { email: "fluxcdbot@users.noreply.github.com", name: "fluxcdbot" } } },
  },
};

function withSpec(spec: Record<string, unknown>): unknown {
  return { ...base, spec: { ...base.spec, ...spec } };
}

describe("ImageUpdateAutomation schema", () => {
  it("has the documented examples to check", () => {
    expect(examples).toHaveLength(14);
  });

  it.each(examples.map((e, i) => [i, e] as const))("accepts docs example #%i", (_i, example) => {
    // Fragments leave out required fields (interval, sourceRef, the commit author); only those are filled in.
    const obj = completeFragment(base, example);
    expect(validateObject(ImageUpdateAutomationKind, obj)).toEqual([]);
    expect(unknownFields(ImageUpdateAutomationKind, obj)).toEqual([]);
  });

  it("defaults update to the Setters strategy and sourceRef.kind to GitRepository", () => {
    const obj = withSpec({ sourceRef: { name: "flux-system" } });
    const out = applyDefaults(ImageUpdateAutomationKind, obj) as ImageUpdateAutomation;
    expect(out.spec.update).toEqual({ strategy: "Setters" });
    expect(out.spec.sourceRef.kind).toBe("GitRepository");
    const withPath = applyDefaults(ImageUpdateAutomationKind, withSpec({ update: { path: "./clusters" } }));
    expect((withPath as ImageUpdateAutomation).spec.update).toEqual({ path: "./clusters", strategy: "Setters" });
    expect(validateObject(ImageUpdateAutomationKind, obj)).toEqual([]);
  });

  it("accepts a checkout ref of the GitRepository ref type and a label policy selector", () => {
    const obj = withSpec({
      git: {
        checkout: { ref: { branch: "main" } },
        commit: {
          author: { email: "bot@example.com" },
          signingKey: { secretRef: { name: "ssh-signing" }, type: "ssh" },
          messageTemplate: "{{ range .Changed.Changes }}{{ .NewValue }}{{ end }}",
          messageTemplateValues: { env: "prod" },
        },
        push: { branch: "auto", refspec: "refs/heads/auto:refs/heads/main", options: { "merge_request.create": "" } },
      },
      policySelector: {
        matchLabels: { app: "podinfo" },
        matchExpressions: [{ key: "tier", operator: "In", values: ["web"] }],
      },
    });
    expect(validateObject(ImageUpdateAutomationKind, obj)).toEqual([]);
  });

  it.each([
    ["bad interval", { interval: "30 min" }, "spec.interval", /should match/],
    [
      "non-Git source",
      { sourceRef: { kind: "OCIRepository", name: "x" } },
      "spec.sourceRef.kind",
      /Unsupported value: "OCIRepository"/,
    ],
    ["unknown update strategy", { update: { strategy: "Kustomize" } }, "spec.update.strategy", /Unsupported/],
    [
      "unknown signing key type",
      { git: { commit: { author: { email: "a@b" }, signingKey: { secretRef: { name: "k" }, type: "x509" } } } },
      "spec.git.commit.signingKey.type",
      /Unsupported/,
    ],
    ["commit without author", { git: { commit: {} } }, "spec.git.commit.author", /Required value/],
    [
      "author without email",
      { git: { commit: { author: { name: "bot" } } } },
      "spec.git.commit.author.email",
      /Required value/,
    ],
    ["git without commit", { git: { push: { branch: "x" } } }, "spec.git.commit", /Required value/],
    [
      "checkout without ref",
      { git: { checkout: {}, commit: { author: { email: "a@b" } } } },
      "spec.git.checkout.ref",
      /Required value/,
    ],
  ])("rejects %s naming the field", (_name, patch, field, message) => {
    const errors = validateObject(ImageUpdateAutomationKind, withSpec(patch));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.field).toBe(field);
    expect(errors[0]?.message).toMatch(message);
  });

  it.each([
    ["interval", "spec.interval"],
    ["sourceRef", "spec.sourceRef"],
  ])("requires spec.%s", (key, field) => {
    const spec: Record<string, unknown> = { ...base.spec };
    delete spec[key];
    expect(validateObject(ImageUpdateAutomationKind, { ...base, spec })).toEqual([
      { type: "FieldValueRequired", field, message: "Required value" },
    ]);
  });

  it("accepts observed policies keyed by name", () => {
    const obj = {
      ...base,
      status: {
        observedPolicies: { podinfo: { name: "ghcr.io/stefanprodan/podinfo", tag: "6.2.1" } },
        lastAutomationRunTime: "2024-01-01T00:00:00Z",
      },
    };
    expect(validateObject(ImageUpdateAutomationKind, obj)).toEqual([]);
    expect(
      validateObject(ImageUpdateAutomationKind, { ...obj, status: { observedPolicies: { p: { name: "x" } } } }).map(
        (e) => e.field,
      ),
    ).toEqual(["status.observedPolicies.p.tag"]);
  });
});

describe("ImageUpdateAutomation CRD", () => {
  it("has Flux's names, printer columns and atomic policy selector", () => {
    const crd = crdFor(ImageUpdateAutomationKind) as {
      metadata: { name: string };
      spec: {
        names: Record<string, unknown>;
        versions: {
          schema: {
            openAPIV3Schema: { properties: { spec: { properties: Record<string, Record<string, unknown>> } } };
          };
        }[];
      };
    };
    expect(crd.metadata.name).toBe("imageupdateautomations.image.toolkit.fluxcd.io");
    expect(crd.spec.names).toEqual({
      kind: "ImageUpdateAutomation",
      listKind: "ImageUpdateAutomationList",
      plural: "imageupdateautomations",
      singular: "imageupdateautomation",
      shortNames: ["iua", "imgupd", "imgauto"],
      categories: ["all", "fluxcd", "fluxcd-images"],
    });
    expect(crd.spec.versions[0]).toMatchObject({
      name: "v1",
      subresources: { status: {} },
      additionalPrinterColumns: [
        { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
        { name: "Status", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].message' },
        { name: "Last run", type: "string", jsonPath: ".status.lastAutomationRunTime", priority: 1 },
        { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
      ],
    });
    const spec = crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties;
    expect(spec["policySelector"]?.["x-kubernetes-map-type"]).toBe("atomic");
    expect(spec["update"]?.["default"]).toEqual({ strategy: "Setters" });
  });
});
