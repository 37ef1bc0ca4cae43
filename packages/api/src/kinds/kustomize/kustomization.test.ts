import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { crdFor } from "../../crd/crd-for.js";
import { applyDefaults, validateObject } from "../../validation/validate.js";
import { type Kustomization, KustomizationKind } from "./kustomization.js";
import {
  kustomizationDeletionPolicy,
  kustomizationPrunesOnDelete,
  kustomizationRetryIntervalMs,
  kustomizationSubstituteStrategy,
  kustomizationTimeoutMs,
} from "./kustomization-defaults.js";
import { unknownFields } from "./testdata/unknown-fields.js";

// Every Kustomization in kustomize-controller's docs/spec/v1/kustomizations.md (@186fb3b).
const examples = parseAllDocuments(
  readFileSync(new URL("./testdata/kustomization-examples.yaml", import.meta.url), "utf8"),
).map((d) => d.toJS() as Kustomization);

// The docs show fragments focused on one field; these fill in the required fields they leave out.
const required = { interval: "10m", prune: true, sourceRef: { kind: "GitRepository", name: "repo" } };

const base: Kustomization = {
  apiVersion: "kustomize.toolkit.fluxcd.io/v1",
  kind: "Kustomization",
  metadata: { name: "app", namespace: "default" },
  spec: { interval: "5m", prune: true, sourceRef: { kind: "GitRepository", name: "repo" } },
};

function withSpec(spec: Record<string, unknown>): unknown {
  return { ...base, spec: { ...base.spec, ...spec } };
}

describe("Kustomization schema", () => {
  it("has the documented examples to check", () => {
    expect(examples.length).toBe(25);
    const complete = examples.filter((e) => e.spec?.interval && e.spec.sourceRef && e.spec.prune !== undefined);
    expect(complete.length).toBeGreaterThanOrEqual(9);
  });

  it.each(examples.map((e, i) => [i, e.metadata.name, e] as const))(
    "accepts docs example #%i (%s)",
    (_i, _name, example) => {
      const obj = { ...example, spec: { ...required, ...example.spec } };
      expect(validateObject(KustomizationKind, obj)).toEqual([]);
      expect(unknownFields(KustomizationKind, obj)).toEqual([]);
    },
  );

  it("finds fields the schema does not declare (so the examples above prove coverage)", () => {
    expect(
      unknownFields(
        KustomizationKind,
        withSpec({ prunee: true, sourceRef: { kind: "Bucket", name: "b", ref: 1 } }),
      ).sort(),
    ).toEqual(["spec.prunee", "spec.sourceRef.ref"]);
  });

  it.each([
    ["bad interval", { interval: "10 minutes" }, "spec.interval", /should match/],
    ["bad retryInterval", { retryInterval: "1d" }, "spec.retryInterval", /should match/],
    ["bad timeout", { timeout: "-1m" }, "spec.timeout", /should match/],
    [
      "unknown source kind",
      { sourceRef: { kind: "HelmRepository", name: "x" } },
      "spec.sourceRef.kind",
      /Unsupported value: "HelmRepository"/,
    ],
    ["unknown deletion policy", { deletionPolicy: "Keep" }, "spec.deletionPolicy", /Unsupported value: "Keep"/],
    ["unknown decryption provider", { decryption: { provider: "vault" } }, "spec.decryption.provider", /Unsupported/],
    [
      "unknown substitute kind",
      { postBuild: { substituteFrom: [{ kind: "Pod", name: "x" }] } },
      "spec.postBuild.substituteFrom[0].kind",
      /Unsupported/,
    ],
    [
      "unknown substitute strategy",
      { postBuild: { substituteStrategy: "Never" } },
      "spec.postBuild.substituteStrategy",
      /Unsupported/,
    ],
    ["unknown build metadata", { buildMetadata: ["foo"] }, "spec.buildMetadata[0]", /Unsupported/],
    ["empty targetNamespace", { targetNamespace: "" }, "spec.targetNamespace", /Invalid value/],
    ["too long targetNamespace", { targetNamespace: "n".repeat(64) }, "spec.targetNamespace", /Invalid value/],
    ["empty namePrefix", { namePrefix: "" }, "spec.namePrefix", /Invalid value/],
    ["prune not a boolean", { prune: "yes" }, "spec.prune", /must be of type boolean/],
    [
      "kubeConfig with both refs",
      { kubeConfig: { secretRef: { name: "a" }, configMapRef: { name: "b" } } },
      "spec.kubeConfig",
      /exactly one of spec.kubeConfig.configMapRef or spec.kubeConfig.secretRef/,
    ],
    [
      "kubeConfig with neither ref",
      { kubeConfig: {} },
      "spec.kubeConfig",
      /exactly one of spec.kubeConfig.configMapRef or spec.kubeConfig.secretRef/,
    ],
  ])("rejects %s naming the field", (_name, patch, field, message) => {
    const errors = validateObject(KustomizationKind, withSpec(patch));
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors[0]?.field).toBe(field);
    expect(errors[0]?.message).toMatch(message);
  });

  it.each([
    ["interval", "spec.interval"],
    ["prune", "spec.prune"],
    ["sourceRef", "spec.sourceRef"],
  ])("requires spec.%s", (key, field) => {
    const spec: Record<string, unknown> = { ...base.spec };
    delete spec[key];
    expect(validateObject(KustomizationKind, { ...base, spec })).toEqual([
      { type: "FieldValueRequired", field, message: "Required value" },
    ]);
  });

  it.each([
    ["healthChecks[0].name", { healthChecks: [{ kind: "Deployment" }] }],
    ["healthCheckExprs[0].current", { healthCheckExprs: [{ apiVersion: "example.com/v1" }] }],
    ["dependsOn[0].name", { dependsOn: [{ namespace: "x" }] }],
    ["patches[0].patch", { patches: [{ target: { kind: "Deployment" } }] }],
    ["images[0].name", { images: [{ newTag: "1.0" }] }],
    ["ignore[0].paths", { ignore: [{ target: { kind: "Secret" } }] }],
    ["decryption.provider", { decryption: { secretRef: { name: "sops" } } }],
  ])("requires spec.%s in sub-objects", (field, patch) => {
    const errors = validateObject(KustomizationKind, withSpec(patch));
    expect(errors.map((e) => e.field)).toContain(`spec.${field}`);
  });

  it("applies the CRD defaults (force, substituteFrom optional)", () => {
    const out = applyDefaults(
      KustomizationKind,
      withSpec({ postBuild: { substituteFrom: [{ kind: "ConfigMap", name: "vars" }] } }),
    ) as Kustomization;
    expect(out.spec.force).toBe(false);
    expect(out.spec.postBuild?.substituteFrom?.[0]?.optional).toBe(false);
    expect(out.spec.deletionPolicy).toBeUndefined();
  });
});

describe("Kustomization CRD", () => {
  const crd = crdFor(KustomizationKind) as {
    metadata: { name: string };
    spec: {
      group: string;
      names: Record<string, unknown>;
      scope: string;
      versions: {
        name: string;
        additionalPrinterColumns: unknown[];
        subresources: unknown;
        schema: { openAPIV3Schema: Record<string, unknown> };
      }[];
    };
  };

  it("has Flux's names, short name, categories and printer columns", () => {
    expect(crd.metadata.name).toBe("kustomizations.kustomize.toolkit.fluxcd.io");
    expect(crd.spec.group).toBe("kustomize.toolkit.fluxcd.io");
    expect(crd.spec.scope).toBe("Namespaced");
    expect(crd.spec.names).toEqual({
      kind: "Kustomization",
      listKind: "KustomizationList",
      plural: "kustomizations",
      singular: "kustomization",
      shortNames: ["ks"],
      categories: ["all", "fluxcd", "fluxcd-appliers"],
    });
    const v = crd.spec.versions[0]!;
    expect(v.name).toBe("v1");
    expect(v.subresources).toEqual({ status: {} });
    expect(v.additionalPrinterColumns).toEqual([
      { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
      { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: "Status", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].message' },
    ]);
  });

  it("publishes the status default and the spec's required fields", () => {
    const schema = crd.spec.versions[0]!.schema.openAPIV3Schema as {
      properties: { spec: { required: string[] }; status: { default: unknown } };
    };
    expect(schema.properties.spec.required.sort()).toEqual(["interval", "prune", "sourceRef"]);
    expect(schema.properties.status.default).toEqual({ observedGeneration: -1 });
  });
});

describe("Kustomization defaults in code", () => {
  it.each([
    [{ interval: "10m" }, 570_000],
    [{ interval: "45s" }, 30_000],
    [{ interval: "10m", timeout: "2m" }, 120_000],
    [{ interval: "10m", timeout: "5s" }, 30_000],
  ])("timeout of %j is %d ms", (spec, ms) => {
    expect(kustomizationTimeoutMs(spec)).toBe(ms);
  });

  it("retries at retryInterval, else interval", () => {
    expect(kustomizationRetryIntervalMs({ interval: "10m" })).toBe(600_000);
    expect(kustomizationRetryIntervalMs({ interval: "10m", retryInterval: "1m" })).toBe(60_000);
  });

  it("defaults deletionPolicy to MirrorPrune and substituteStrategy to WithVariables", () => {
    expect(kustomizationDeletionPolicy({})).toBe("MirrorPrune");
    expect(kustomizationSubstituteStrategy({})).toBe("WithVariables");
    expect(kustomizationSubstituteStrategy({ postBuild: { substituteStrategy: "Always" } })).toBe("Always");
  });

  it.each([
    [{ prune: true }, true],
    [{ prune: false }, false],
    [{ prune: false, deletionPolicy: "Delete" as const }, true],
    [{ prune: false, deletionPolicy: "WaitForTermination" as const }, true],
    [{ prune: true, deletionPolicy: "Orphan" as const }, false],
    [{ prune: true, suspend: true }, false],
  ])("deletes applied objects on deletion for %j: %s", (spec, expected) => {
    expect(kustomizationPrunesOnDelete(spec)).toBe(expected);
  });
});
