import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { crdFor } from "../../crd/crd-for.js";
import { applyDefaults, validateObject } from "../../validation/validate.js";
import { unknownFields } from "../kustomize/testdata/unknown-fields.js";
import { type HelmRelease, HelmReleaseKind } from "./helm-release.js";

// Every HelmRelease in helm-controller's docs/spec/v2/helmreleases.md (@0f61a86).
const examples = parseAllDocuments(
  readFileSync(new URL("./testdata/helmrelease-examples.yaml", import.meta.url), "utf8"),
).map((d) => d.toJS() as HelmRelease);

// The docs show fragments focused on one field; this fills in what they leave out.
function completed(example: HelmRelease): HelmRelease {
  const spec = { ...example.spec };
  spec.interval ??= "10m";
  if (!spec.chart && !spec.chartRef) spec.chartRef = { kind: "OCIRepository", name: "chart" };
  return { ...example, spec };
}

const base: HelmRelease = {
  apiVersion: "helm.toolkit.fluxcd.io/v2",
  kind: "HelmRelease",
  metadata: { name: "podinfo", namespace: "default" },
  spec: { interval: "10m", chartRef: { kind: "OCIRepository", name: "podinfo" } },
};

function withSpec(spec: Record<string, unknown>): unknown {
  return { ...base, spec: { ...base.spec, ...spec } };
}

const chart = { spec: { chart: "podinfo", sourceRef: { kind: "HelmRepository", name: "podinfo" } } };

describe("HelmRelease schema", () => {
  it("has the documented examples to check", () => {
    expect(examples).toHaveLength(16);
    expect(examples.filter((e) => e.spec?.interval && (e.spec.chart || e.spec.chartRef)).length).toBeGreaterThanOrEqual(
      7,
    );
    expect(examples.some((e) => (e.status?.history?.length ?? 0) > 0)).toBe(true);
  });

  it.each(examples.map((e, i) => [i, e.metadata.name, e] as const))(
    "accepts docs example #%i (%s)",
    (_i, _name, example) => {
      const obj = completed(example);
      expect(validateObject(HelmReleaseKind, obj)).toEqual([]);
      expect(unknownFields(HelmReleaseKind, obj)).toEqual([]);
    },
  );

  it("accepts arbitrary nested Helm values", () => {
    const values = { replicaCount: 2, ingress: { enabled: true, hosts: [{ host: "a", paths: ["/"] }] }, x: null };
    expect(validateObject(HelmReleaseKind, withSpec({ values }))).toEqual([]);
    expect(unknownFields(HelmReleaseKind, withSpec({ values }))).toEqual([]);
  });

  it.each([
    ["chart and chartRef both set", { chart }, "spec", /either chart or chartRef must be set/],
    ["neither chart nor chartRef", { chartRef: undefined }, "spec", /either chart or chartRef must be set/],
    ["bad interval", { interval: "5 min" }, "spec.interval", /should match/],
    ["bad timeout", { timeout: "1y" }, "spec.timeout", /should match/],
    [
      "unknown chartRef kind",
      { chartRef: { kind: "GitRepository", name: "x" } },
      "spec.chartRef.kind",
      /Unsupported value: "GitRepository"/,
    ],
    ["empty chartRef name", { chartRef: { kind: "HelmChart", name: "" } }, "spec.chartRef.name", /Invalid value/],
    ["too long releaseName", { releaseName: "r".repeat(54) }, "spec.releaseName", /Invalid value/],
    ["too long targetNamespace", { targetNamespace: "n".repeat(64) }, "spec.targetNamespace", /Invalid value/],
    ["unknown drift mode", { driftDetection: { mode: "on" } }, "spec.driftDetection.mode", /Unsupported value: "on"/],
    ["unknown install CRD policy", { install: { crds: "Replace" } }, "spec.install.crds", /Unsupported/],
    [
      "unknown upgrade remediation strategy",
      { upgrade: { remediation: { strategy: "reinstall" } } },
      "spec.upgrade.remediation.strategy",
      /Unsupported/,
    ],
    [
      "unknown server-side apply mode",
      { upgrade: { serverSideApply: "yes" } },
      "spec.upgrade.serverSideApply",
      /Unsupported/,
    ],
    [
      "unknown deletion propagation",
      { uninstall: { deletionPropagation: "now" } },
      "spec.uninstall.deletionPropagation",
      /Unsupported/,
    ],
    ["unknown post-render strategy", { postRenderStrategy: "all" }, "spec.postRenderStrategy", /Unsupported/],
    ["unknown wait strategy", { waitStrategy: { name: "kstatus" } }, "spec.waitStrategy.name", /Unsupported/],
    ["values not an object", { values: ["a"] }, "spec.values", /must be of type object/],
    ["valuesFrom kind", { valuesFrom: [{ kind: "Pod", name: "x" }] }, "spec.valuesFrom[0].kind", /Unsupported/],
    [
      "valuesKey pattern",
      { valuesFrom: [{ kind: "Secret", name: "x", valuesKey: "a b" }] },
      "spec.valuesFrom[0].valuesKey",
      /should match/,
    ],
    [
      "targetPath pattern",
      { valuesFrom: [{ kind: "Secret", name: "x", targetPath: "a b" }] },
      "spec.valuesFrom[0].targetPath",
      /should match/,
    ],
    [
      "install retryInterval with RemediateOnFailure",
      { install: { strategy: { name: "RemediateOnFailure", retryInterval: "1m" } } },
      "spec.install.strategy",
      /\.retryInterval cannot be set when \.name is 'RemediateOnFailure'/,
    ],
    [
      "upgrade retryInterval without RetryOnFailure",
      { upgrade: { strategy: { name: "RemediateOnFailure", retryInterval: "1m" } } },
      "spec.upgrade.strategy",
      /\.retryInterval can only be set when \.name is 'RetryOnFailure'/,
    ],
    [
      "kubeConfig with both refs",
      { kubeConfig: { secretRef: { name: "a" }, configMapRef: { name: "b" } } },
      "spec.kubeConfig",
      /exactly one of spec.kubeConfig.configMapRef or spec.kubeConfig.secretRef/,
    ],
  ])("rejects %s naming the field", (_name, patch, field, message) => {
    const errors = validateObject(HelmReleaseKind, withSpec(patch));
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors[0]?.field).toBe(field);
    expect(errors[0]?.message).toMatch(message);
  });

  it("accepts a chart template with a nested-path targetPath and RetryOnFailure intervals", () => {
    const obj = withSpec({
      chartRef: undefined,
      chart,
      valuesFrom: [{ kind: "ConfigMap", name: "v", valuesKey: "values.yaml", targetPath: "a.b[0].c_d-e" }],
      install: { strategy: { name: "RetryOnFailure", retryInterval: "2m" } },
      upgrade: { strategy: { name: "RetryOnFailure", retryInterval: "2m" } },
    });
    expect(validateObject(HelmReleaseKind, JSON.parse(JSON.stringify(obj)))).toEqual([]);
  });

  it.each([
    ["interval", { interval: undefined }, "spec.interval"],
    ["chart.spec", { chartRef: undefined, chart: {} }, "spec.chart.spec"],
    ["chart.spec.sourceRef", { chartRef: undefined, chart: { spec: { chart: "x" } } }, "spec.chart.spec.sourceRef"],
    ["chartRef.kind", { chartRef: { name: "x" } }, "spec.chartRef.kind"],
    ["install.strategy.name", { install: { strategy: {} } }, "spec.install.strategy.name"],
    ["waitStrategy.name", { waitStrategy: {} }, "spec.waitStrategy.name"],
    ["test.filters[0].name", { test: { filters: [{ exclude: true }] } }, "spec.test.filters[0].name"],
  ])("requires %s", (_name, patch, field) => {
    const errors = validateObject(HelmReleaseKind, JSON.parse(JSON.stringify(withSpec(patch))));
    expect(errors).toContainEqual({ type: "FieldValueRequired", field, message: "Required value" });
  });

  it("applies the CRD defaults: chart version, reconcileStrategy, verify provider, deletionPropagation", () => {
    const obj = JSON.parse(
      JSON.stringify(
        withSpec({
          chartRef: undefined,
          chart: { spec: { ...chart.spec, verify: { secretRef: { name: "keys" } } } },
          uninstall: {},
        }),
      ),
    );
    const out = applyDefaults(HelmReleaseKind, obj) as HelmRelease;
    expect(out.spec.chart?.spec).toMatchObject({
      version: "*",
      reconcileStrategy: "ChartVersion",
      verify: { provider: "cosign" },
    });
    expect(out.spec.uninstall?.deletionPropagation).toBe("background");
    expect(out.spec.install).toBeUndefined();
  });
});

describe("HelmRelease CRD", () => {
  const crd = crdFor(HelmReleaseKind) as {
    metadata: { name: string };
    spec: {
      names: Record<string, unknown>;
      versions: {
        name: string;
        additionalPrinterColumns: unknown[];
        subresources: unknown;
        schema: { openAPIV3Schema: { properties: { spec: Record<string, unknown> } } };
      }[];
    };
  };

  it("has Flux's names, short name, categories, printer columns and status subresource", () => {
    expect(crd.metadata.name).toBe("helmreleases.helm.toolkit.fluxcd.io");
    expect(crd.spec.names).toEqual({
      kind: "HelmRelease",
      listKind: "HelmReleaseList",
      plural: "helmreleases",
      singular: "helmrelease",
      shortNames: ["hr"],
      categories: ["all", "fluxcd", "fluxcd-appliers"],
    });
    const v = crd.spec.versions[0]!;
    expect(v.name).toBe("v2");
    expect(v.subresources).toEqual({ status: {} });
    expect(v.additionalPrinterColumns).toEqual([
      { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
      { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: "Status", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].message' },
    ]);
  });

  it("publishes values as preserved unknown fields and the chart XOR chartRef rule on spec", () => {
    const spec = crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec as {
      required: string[];
      properties: { values: Record<string, unknown> };
      "x-kubernetes-validations": unknown[];
    };
    expect(spec.required).toEqual(["interval"]);
    expect(spec.properties.values["x-kubernetes-preserve-unknown-fields"]).toBe(true);
    expect(spec["x-kubernetes-validations"]).toEqual([
      {
        rule: "(has(self.chart) && !has(self.chartRef)) || (!has(self.chart) && has(self.chartRef))",
        message: "either chart or chartRef must be set",
      },
    ]);
  });
});
