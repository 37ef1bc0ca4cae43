// Every controller's /metrics as Prometheus sees it: a real Prometheus (Debian package) scrapes each
// controller `sluice up` runs (with the namespace/pod target labels a PodMonitor gives), a PromQL query for
// gotk_reconcile_duration_seconds_count returns a series for each kind the controllers reconciled, Flux
// 2.1+'s metric set is there, every query of the shipped Grafana dashboards returns data (gotk_resource_info
// from a stand-in for kube-state-metrics reading the shipped config), the shipped alert rules load, and every
// line the controllers logged meanwhile is JSON with Flux's keys.

import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  createHelmChartRepo,
  type HelmRepoServer,
  type S3Server,
  startHelmRepoServer,
  startS3Server,
} from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { eventually, type GitOpsEnv, hasController, readyCondition, startGitOpsEnv } from "../support/gitops-env.js";
import { type Prometheus, type ScrapeJob, startPrometheus } from "../support/prometheus.js";
import { startResourceInfoExporter } from "../support/resource-info-exporter.js";

const NS = "flux-system";
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const DASHBOARDS = ["control-plane.json", "cluster.json"].map((f) => join(ROOT, "charts/sluice/dashboards", f));

/** Every PromQL expression of a Grafana dashboard (rows' nested panels included). */
function dashboardExprs(dashboard: { panels?: unknown[] }): { panel: string; expr: string }[] {
  const out: { panel: string; expr: string }[] = [];
  const walk = (panels: unknown[]) => {
    for (const p of panels as { title?: string; targets?: { expr?: string }[]; panels?: unknown[] }[]) {
      for (const t of p.targets ?? []) if (t.expr) out.push({ panel: p.title ?? "", expr: t.expr });
      walk(p.panels ?? []);
    }
  };
  walk(dashboard.panels ?? []);
  return out;
}

describe("metrics scraped by Prometheus", () => {
  let env: GitOpsEnv;
  let charts: HelmRepoServer;
  let s3: S3Server;
  let prometheus: Prometheus | undefined;
  let exporter: Awaited<ReturnType<typeof startResourceInfoExporter>> | undefined;
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
    s3 = await startS3Server({ buckets: ["metrics"] });
    await s3.putObject("metrics", "deploy/configmap.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n");

    const docs = [
      `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: { name: metrics, namespace: ${NS} }
spec: { url: "${url}", ref: { branch: main }, interval: 1m }`,
      `apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: { name: charts, namespace: ${NS} }
spec: { url: "${charts.baseUrl}", interval: 1m }`,
      `apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata: { name: metrics, namespace: ${NS} }
spec: { bucketName: metrics, endpoint: "${s3.endpoint}", insecure: true, interval: 1m }`,
    ];
    created.push(
      { kind: "GitRepository", resource: "gitrepository", name: "metrics" },
      { kind: "HelmRepository", resource: "helmrepository", name: "charts" },
      { kind: "Bucket", resource: "bucket", name: "metrics" },
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
    // Not Ready on purpose, for the dashboards' failing/stalled/suspended panels and the alert expressions.
    docs.push(`apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: { name: broken-url, namespace: ${NS} }
spec: { url: "https://exa mple.com/repo", ref: { branch: main }, interval: 1m }`);
    docs.push(`apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: { name: paused, namespace: ${NS} }
spec: { url: "${url}", ref: { branch: main }, interval: 1m, suspend: true }`);
    await env.kubectlOk(["apply", "-f", "-"], docs.join("\n---\n"));
  });

  afterAll(async () => {
    await prometheus?.stop();
    await exporter?.stop();
    await charts?.stop();
    await s3?.stop();
    await env?.stop();
  });

  it("every controller's metrics endpoint is a healthy Prometheus target", async () => {
    // The labels a PodMonitor gives in a cluster: the controllers' namespace and Pod.
    const jobs: ScrapeJob[] = env.session.controllers.map((c) => ({
      job: c.name,
      urls: [`${c.addresses.metrics}/metrics`],
      labels: { namespace: NS, pod: `${c.name}-7f9c6d5b8-x2x4p` },
    }));
    expect(jobs.length).toBeGreaterThan(0);
    exporter = await startResourceInfoExporter(env.session.client);
    jobs.push({
      job: "kube-state-metrics",
      urls: [exporter.url],
      labels: { namespace: "monitoring", pod: "kube-state-metrics-0" },
    });
    const rules = parse(await readFile(join(ROOT, "monitoring/alerts.yaml"), "utf8")) as {
      spec: { groups: unknown[] };
    };
    prometheus = await startPrometheus(jobs, [stringify({ groups: rules.spec.groups })]);
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

  it("exports Flux 2.1+'s metric set and not the removed gauges", async () => {
    const prom = prometheus;
    if (!prom) throw new Error("prometheus did not start");
    for (const metric of [
      "controller_runtime_reconcile_total",
      "controller_runtime_reconcile_errors_total",
      "controller_runtime_terminal_reconcile_errors_total",
      "controller_runtime_reconcile_panics_total",
      "controller_runtime_reconcile_time_seconds_count",
      "controller_runtime_active_workers",
      "controller_runtime_max_concurrent_reconciles",
      "workqueue_depth",
      "workqueue_adds_total",
      "workqueue_longest_running_processor_seconds",
      "workqueue_unfinished_work_seconds",
      "rest_client_requests_total",
    ]) {
      await eventually(metric, async () => (await prom.query(metric)).length > 0);
    }
    expect(await prom.query("gotk_reconcile_condition")).toEqual([]);
    expect(await prom.query("gotk_suspend_status")).toEqual([]);
  });

  it("every query of the shipped Grafana dashboards returns data", async () => {
    const prom = prometheus;
    if (!prom) throw new Error("prometheus did not start");
    await eventually("the failing and suspended objects in gotk_resource_info", async () => {
      const failing = await prom.query('gotk_resource_info{name="broken-url",stalled="True",ready="False"}');
      const paused = await prom.query('gotk_resource_info{name="paused",suspended="true"}');
      return failing.length > 0 && paused.length > 0;
    });
    for (const file of DASHBOARDS) {
      const exprs = dashboardExprs(JSON.parse(await readFile(file, "utf8")) as { panels?: unknown[] });
      expect(exprs.length).toBeGreaterThan(5);
      for (const { panel, expr } of exprs) {
        // Grafana's variables: the controllers' namespace, and every object namespace.
        const query = expr.replaceAll("$controller_namespace", NS).replaceAll("$namespace", ".*");
        await eventually(`${file.split("/").at(-1)} "${panel}": ${query} to return data`, async () => {
          const result = await prom.query(query);
          return result.length > 0 ? result : undefined;
        });
      }
    }
  });

  it("the shipped alert rules load and their expressions find the failing, stalled and suspended objects", async () => {
    const prom = prometheus;
    if (!prom) throw new Error("prometheus did not start");
    const rules = await eventually("alert rules evaluated", async () => {
      const r = await prom.rules();
      return r.length > 0 && r.every((x) => x.health === "ok") ? r : undefined;
    });
    expect(rules.map((r) => r.name).sort()).toEqual([
      "FluxControllerPanics",
      "FluxControllerReconcileErrors",
      "FluxObjectStalled",
      "FluxReconciliationFailure",
      "FluxSuspendedTooLong",
      "FluxWorkQueueStuck",
    ]);
    const alerts = parse(await readFile(join(ROOT, "monitoring/alerts.yaml"), "utf8")) as {
      spec: { groups: { rules: { alert: string; expr: string }[] }[] };
    };
    const exprOf = (name: string) => alerts.spec.groups.flatMap((g) => g.rules).find((r) => r.alert === name)!.expr;
    const names = async (alert: string) => (await prom.query(exprOf(alert))).map((r) => r.metric["name"]);
    expect(await names("FluxReconciliationFailure")).toContain("broken-url");
    expect(await names("FluxObjectStalled")).toEqual(["broken-url"]);
    expect(await names("FluxSuspendedTooLong")).toEqual(["paused"]);
  });

  it("every line the controllers logged is JSON with Flux's keys; error is a string, no stacks", () => {
    const lines = env
      .logs()
      .join("")
      .split("\n")
      .filter((l) => l !== "");
    let reconcileLines = 0;
    for (const line of lines) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      for (const key of ["level", "ts", "msg"]) expect(entry, line).toHaveProperty(key);
      if ("error" in entry) expect(typeof entry["error"], line).toBe("string");
      expect(entry, line).not.toHaveProperty("stacktrace");
      if (!("reconcileID" in entry)) continue;
      reconcileLines++;
      for (const key of ["controller", "controllerGroup", "controllerKind", "name", "namespace"]) {
        expect(entry, line).toHaveProperty(key);
      }
      const kind = entry["controllerKind"] as string;
      expect(entry[kind], line).toEqual({ name: entry["name"], namespace: entry["namespace"] });
    }
    // The stalled GitRepository (broken-url) logs at error level at least once.
    expect(reconcileLines).toBeGreaterThan(0);
  });
});
