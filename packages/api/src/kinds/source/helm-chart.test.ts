import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { crdFor } from "../../crd/crd-for.js";
import { applyDefaults, validateObject } from "../../validation/validate.js";
import { type HelmChart, HelmChartKind } from "./helm-chart.js";

// Example objects from Flux's docs/spec/v1/helmcharts.md.
const COMPLETE_EXAMPLES = {
  "chart from a HelmRepository": `
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmChart
metadata:
  name: podinfo
  namespace: default
spec:
  interval: 5m0s
  chart: podinfo
  reconcileStrategy: ChartVersion
  sourceRef:
    kind: HelmRepository
    name: podinfo
  version: '5.*'
`,
  "keyless cosign verification": `
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmChart
metadata:
  name: podinfo
spec:
  interval: 5m
  chart: podinfo
  reconcileStrategy: ChartVersion
  sourceRef:
    kind: HelmRepository
    name: podinfo
  version: ">=6.1.6"
  verify:
    provider: cosign
    matchOIDCIdentity:
      - issuer: "^https://token.actions.githubusercontent.com$"
        subject: "^https://github.com/stefanprodan/podinfo.*$"
`,
  "status with chart version revision": `
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmChart
metadata:
  name: <chart-name>
status:
  artifact:
    digest: sha256:e30b95a08787de69ffdad3c232d65cfb131b5b50c6fd44295f48a078fceaa44e
    lastUpdateTime: "2022-02-10T18:53:47Z"
    path: helmchart/<source-namespace>/<chart-name>/<chart-name>-<chart-version>.tgz
    revision: 6.0.3
    size: 14166
    url: http://source-controller.flux-system.svc.cluster.local./helmchart/<source-namespace>/<chart-name>/<chart-name>-<chart-version>.tgz
`,
  "status with values files revision": `
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmChart
metadata:
  name: <chart-name>
status:
  artifact:
    digest: sha256:ee68224ded207ebb18a8e9730cf3313fa6bc1f31e6d8d3943ab541113559bb52
    lastUpdateTime: "2022-02-28T08:07:12Z"
    path: helmchart/<source-namespace>/<chart-name>/<chart-name>-6.0.3+1.tgz
    revision: 6.0.3+1
    size: 14166
    url: http://source-controller.flux-system.svc.cluster.local./helmchart/<source-namespace>/<chart-name>/<chart-name>-6.0.3+1.tgz
  observedGeneration: 1
`,
  "status with source revision": `
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmChart
metadata:
  name: <chart-name>
status:
  artifact:
    digest: sha256:8d1f0ac3f4b0e8759a32180086f17ac87ca04e5d46c356e67f97e97616ef4718
    lastUpdateTime: "2022-02-28T08:07:12Z"
    path: helmchart/<source-namespace>/<chart-name>/<chart-name>-6.0.3+4e5cbb7b97d0.tgz
    revision: 6.0.3+4e5cbb7b97d0
    size: 14166
    url: http://source-controller.flux-system.svc.cluster.local./helmchart/<source-namespace>/<chart-name>/<chart-name>-6.0.3+4e5cbb7b97d0.tgz
`,
};

// Spec fragments of the docs; they are completed with chart, sourceRef (a HelmRepository) and interval.
const SPEC_FRAGMENTS = {
  "cosign verification with keys": `
spec:
  verify:
    provider: cosign
    secretRef:
      name: cosign-public-keys
`,
  "notation verification": `
spec:
  verify:
    provider: notation
    secretRef:
      name: notation-config
`,
  suspend: `
spec:
  suspend: true
`,
};

const base: HelmChart = {
  apiVersion: "source.toolkit.fluxcd.io/v1",
  kind: "HelmChart",
  metadata: { name: "podinfo", namespace: "default" },
  spec: { chart: "podinfo", interval: "5m", sourceRef: { kind: "HelmRepository", name: "podinfo" } },
};

function withSpec(spec: Record<string, unknown>): unknown {
  return { ...base, spec: { ...base.spec, ...spec } };
}

describe("HelmChart schema", () => {
  it.each(Object.entries(COMPLETE_EXAMPLES))("accepts the docs example: %s", (_name, text) => {
    expect(validateObject(HelmChartKind, parse(text))).toEqual([]);
  });

  it.each(Object.entries(SPEC_FRAGMENTS))("accepts the docs spec fragment: %s", (_name, text) => {
    const fragment = parse(text) as { spec: Record<string, unknown> };
    expect(validateObject(HelmChartKind, withSpec(fragment.spec))).toEqual([]);
  });

  it.each([
    ["a chart path in a GitRepository", { chart: "./charts/podinfo", sourceRef: { kind: "GitRepository", name: "p" } }],
    [
      "a Bucket source with the Revision strategy",
      { sourceRef: { kind: "Bucket", name: "b" }, reconcileStrategy: "Revision" },
    ],
    ["values files", { valuesFiles: ["values.yaml", "values-prod.yaml"], ignoreMissingValuesFiles: true }],
    [
      "a sourceRef with apiVersion",
      { sourceRef: { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "HelmRepository", name: "p" } },
    ],
  ])("accepts %s", (_name, spec) => {
    expect(validateObject(HelmChartKind, withSpec(spec))).toEqual([]);
  });

  it.each([
    ["bad interval", { interval: "1d" }, "spec.interval", /should match/],
    [
      "unknown source kind",
      { sourceRef: { kind: "OCIRepository", name: "p" } },
      "spec.sourceRef.kind",
      /Unsupported value: "OCIRepository": supported values: "HelmRepository", "GitRepository", "Bucket"/,
    ],
    [
      "unknown reconcile strategy",
      { reconcileStrategy: "Always" },
      "spec.reconcileStrategy",
      /supported values: "ChartVersion", "Revision"/,
    ],
    [
      "unknown verification provider",
      { verify: { provider: "gpg" } },
      "spec.verify.provider",
      /supported values: "cosign", "notation"/,
    ],
    ["sourceRef without name", { sourceRef: { kind: "HelmRepository" } }, "spec.sourceRef.name", /Required value/],
    [
      "OIDC identity without subject",
      { verify: { provider: "cosign", matchOIDCIdentity: [{ issuer: "x" }] } },
      "spec.verify.matchOIDCIdentity[0].subject",
      /Required value/,
    ],
    [
      "verify with a GitRepository source",
      { sourceRef: { kind: "GitRepository", name: "g" }, verify: { provider: "cosign" } },
      "spec",
      /spec.verify is only supported when spec.sourceRef.kind is 'HelmRepository'/,
    ],
    [
      "verify with a Bucket source",
      { sourceRef: { kind: "Bucket", name: "b" }, verify: { provider: "notation" } },
      "spec",
      /spec.verify is only supported when spec.sourceRef.kind is 'HelmRepository'/,
    ],
  ])("rejects %s naming %s", (_name, spec, field, message) => {
    const errors = validateObject(HelmChartKind, withSpec(spec));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.field).toBe(field);
    expect(errors[0]?.message).toMatch(message);
  });

  it.each(["chart", "sourceRef", "interval"])("requires spec.%s", (field) => {
    const spec: Record<string, unknown> = { ...base.spec };
    delete spec[field];
    expect(validateObject(HelmChartKind, { ...base, spec })).toEqual([
      { type: "FieldValueRequired", field: `spec.${field}`, message: "Required value" },
    ]);
  });

  it("defaults version to * and reconcileStrategy to ChartVersion", () => {
    const out = applyDefaults(HelmChartKind, base);
    expect(out.spec).toMatchObject({ version: "*", reconcileStrategy: "ChartVersion" });
  });

  it("defaults the verification provider to cosign and keeps explicit values", () => {
    const out = applyDefaults(HelmChartKind, withSpec({ version: "6.x", verify: {} }));
    expect(out).toMatchObject({ spec: { version: "6.x", verify: { provider: "cosign" } } });
    expect(validateObject(HelmChartKind, withSpec({ verify: {} }))).toEqual([]);
  });
});

describe("HelmChart CRD", () => {
  const crd = crdFor(HelmChartKind) as {
    metadata: { name: string };
    spec: { scope: string; names: Record<string, unknown>; versions: Array<Record<string, unknown>> };
  };

  it("is named, scoped and printed as Flux's", () => {
    expect(crd.metadata.name).toBe("helmcharts.source.toolkit.fluxcd.io");
    expect(crd.spec.scope).toBe("Namespaced");
    expect(crd.spec.names).toEqual({
      kind: "HelmChart",
      listKind: "HelmChartList",
      plural: "helmcharts",
      singular: "helmchart",
      shortNames: ["hc"],
      categories: ["all", "fluxcd", "fluxcd-sources"],
    });
    expect(crd.spec.versions[0]).toMatchObject({ name: "v1", subresources: { status: {} } });
    const columns = crd.spec.versions[0]?.["additionalPrinterColumns"] as Array<{ name: string; jsonPath: string }>;
    expect(columns.map((c) => [c.name, c.jsonPath])).toEqual([
      ["Chart", ".spec.chart"],
      ["Version", ".spec.version"],
      ["Source Kind", ".spec.sourceRef.kind"],
      ["Source Name", ".spec.sourceRef.name"],
      ["Age", ".metadata.creationTimestamp"],
      ["Ready", '.status.conditions[?(@.type=="Ready")].status'],
      ["Status", '.status.conditions[?(@.type=="Ready")].message'],
    ]);
  });
});
