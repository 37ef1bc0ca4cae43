// Switching an existing HelmRelease from `spec.chart` to `spec.chartRef` in place, as kustomize-controller
// applies it (server-side apply, dry-run first): the CRD defaults `spec.chart.spec.version` and
// `reconcileStrategy`, and those defaulted fields must not keep `spec.chart` alive (Flux's CRD and CEL rule).

import type { UnstructuredObject } from "@sluice/runtime";
import { type ApiCluster, applyChartCrds, ensureNamespace, startApiCluster } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const NS = "switch";
let cluster: ApiCluster;

beforeAll(async () => {
  cluster = await startApiCluster();
  await applyChartCrds(cluster.client, "helm.");
  await ensureNamespace(cluster.client, NS);
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

const base = { apiVersion: "helm.toolkit.fluxcd.io/v2", kind: "HelmRelease", metadata: { name: "app", namespace: NS } };
type WithSpec = UnstructuredObject & { spec: Record<string, unknown> };
const apply = { fieldManager: "kustomize-controller", force: true };

describe("HelmRelease spec.chart → spec.chartRef", () => {
  it("applies in place, dry-run first, leaving no defaulted spec.chart behind", async () => {
    await cluster.client.apply(
      {
        ...base,
        spec: {
          interval: "10m",
          chart: { spec: { chart: "podinfo", sourceRef: { kind: "HelmRepository", name: "podinfo" } } },
        },
      } as WithSpec,
      apply,
    );
    const created = await cluster.client.get<WithSpec & { spec: { chart?: { spec: Record<string, unknown> } } }>({
      apiVersion: base.apiVersion,
      kind: base.kind,
      namespace: NS,
      name: "app",
    });
    expect(created.spec.chart?.spec).toMatchObject({ version: "*", reconcileStrategy: "ChartVersion" });

    const switched = {
      ...base,
      spec: { interval: "10m", chartRef: { kind: "OCIRepository", name: "podinfo" } },
    } as WithSpec;
    const dryRun = await cluster.client.apply<WithSpec>(switched, { ...apply, dryRun: true });
    expect(dryRun.spec).toEqual({ interval: "10m", chartRef: { kind: "OCIRepository", name: "podinfo" } });
    const written = await cluster.client.apply<WithSpec>(switched, apply);
    expect(written.spec["chart"]).toBeUndefined();
  });
});
