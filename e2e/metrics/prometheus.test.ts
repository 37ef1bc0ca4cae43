// Every controller's /metrics as Prometheus sees it: a real Prometheus (Debian package) scrapes each
// controller `sluice up` runs, and a PromQL query for gotk_reconcile_duration_seconds_count returns a series
// for each kind the controllers reconciled.

import { join } from "node:path";
import { createHelmChartRepo, type HelmRepoServer, startHelmRepoServer } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, type GitOpsEnv, hasController, readyCondition, startGitOpsEnv } from "../support/gitops-env.js";
import { type Prometheus, startPrometheus } from "../support/prometheus.js";

const NS = "flux-system";

describe("metrics scraped by Prometheus", () => {
  let env: GitOpsEnv;
  let charts: HelmRepoServer;
  let prometheus: Prometheus | undefined;
  /** Kind → the objects of it this test created (all must end Ready). */
  const created: Array<{ kind: string; resource: string; name: string }> = [];

  beforeAll(async () => {
    env = await startGitOpsEnv();
    const { repo, url } = await env.createRepo("metrics");
    await repo.commit(
      {
        "deploy/configmap.yaml":
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: metrics-demo\n  namespace: default\ndata:\n  a: b\n",
      },
      "configmap",
    );
    await repo.push();
    let base = "";
    const chartRepo = await createHelmChartRepo(join(env.dir, "helm"), () => base);
    charts = await startHelmRepoServer(chartRepo.dir);
    base = charts.baseUrl;
    await chartRepo.addChart("hello", "0.1.0");

    const docs = [
      `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: { name: metrics, namespace: ${NS} }
spec: { url: "${url}", ref: { branch: main }, interval: 1m }`,
      `apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: { name: charts, namespace: ${NS} }
spec: { url: "${charts.baseUrl}", interval: 1m }`,
    ];
    created.push(
      { kind: "GitRepository", resource: "gitrepository", name: "metrics" },
      { kind: "HelmRepository", resource: "helmrepository", name: "charts" },
    );
    if (hasController("kustomize-controller")) {
      docs.push(`apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: { name: metrics, namespace: ${NS} }
spec: { interval: 1m, path: ./deploy, prune: true, sourceRef: { kind: GitRepository, name: metrics } }`);
      created.push({ kind: "Kustomization", resource: "kustomization", name: "metrics" });
    }
    if (hasController("helm-controller")) {
      docs.push(`apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: { name: hello, namespace: ${NS} }
spec:
  interval: 1m
  chart:
    spec: { chart: hello, version: "0.1.0", sourceRef: { kind: HelmRepository, name: charts } }`);
      // helm-controller creates the HelmChart (`<namespace>-<name>`) that source-controller reconciles.
      created.push(
        { kind: "HelmRelease", resource: "helmrelease", name: "hello" },
        { kind: "HelmChart", resource: "helmchart", name: `${NS}-hello` },
      );
    }
    await env.kubectlOk(["apply", "-f", "-"], docs.join("\n---\n"));
  });

  afterAll(async () => {
    await prometheus?.stop();
    await charts?.stop();
    await env?.stop();
  });

  it("every controller's metrics endpoint is a healthy Prometheus target", async () => {
    const jobs = env.session.controllers.map((c) => ({ job: c.name, urls: [`${c.addresses.metrics}/metrics`] }));
    expect(jobs.length).toBeGreaterThan(0);
    prometheus = await startPrometheus(jobs);
    const prom = prometheus;
    const targets = await eventually("every target to be scraped successfully", async () => {
      const t = await prom.targets();
      return t.length === jobs.length && t.every((x) => x.health === "up") ? t : undefined;
    });
    expect(targets.map((t) => t.job).sort()).toEqual(jobs.map((j) => j.job).sort());
  });

  it("gotk_reconcile_duration_seconds_count has a series for each reconciled kind", async () => {
    for (const obj of created) {
      await eventually(`${obj.kind} ${obj.name} to be Ready`, async () => {
        return readyCondition(await env.get(obj.resource, obj.name, NS))?.status === "True";
      });
    }
    const prom = prometheus;
    if (!prom) throw new Error("prometheus did not start");
    const series = await eventually("a series per reconciled kind", async () => {
      const result = await prom.query("gotk_reconcile_duration_seconds_count");
      const kinds = new Set(result.map((r) => r.metric["kind"]));
      return created.every((c) => kinds.has(c.kind)) ? result : undefined;
    });
    for (const obj of created) {
      const s = series.find((r) => r.metric["kind"] === obj.kind && r.metric["name"] === obj.name);
      expect(s, `${obj.kind}/${obj.name}`).toBeDefined();
      expect(s?.metric["namespace"]).toBe(NS);
      expect(Number(s?.value[1])).toBeGreaterThanOrEqual(1);
    }
    const sourceSeries = series.filter((r) => r.metric["kind"] === "GitRepository");
    expect(sourceSeries.every((r) => r.metric["job"] === "source-controller")).toBe(true);
  });
});
