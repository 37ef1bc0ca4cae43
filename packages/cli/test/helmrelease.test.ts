// HelmRelease commands against the real source- and helm-controllers and a chart repository built with the
// real helm binary: create source helm, create helmrelease with values, get tables, reconcile, trace.

import { join } from "node:path";
import type { UnstructuredObject } from "@sluice/runtime/kube";
import { createHelmChartRepo, type HelmRepoServer, startHelmRepoServer, writeTree } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliEnv, startCliEnv } from "./support/cli-env.js";

describe("sluice helmrelease commands", () => {
  let env: CliEnv;
  let server: HelmRepoServer;
  beforeAll(async () => {
    env = await startCliEnv({ simulateWorkloads: true, withSourceController: true, withHelmController: true });
    await env.cluster.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "apps" } });
    let base = "";
    const charts = await createHelmChartRepo(join(env.workDir, "helm"), () => base);
    server = await startHelmRepoServer(charts.dir);
    base = server.baseUrl;
    await charts.addChart("web", "1.0.0");
    await writeTree(env.workDir, { "values.yaml": "replicaCount: 2\nservice:\n  port: 8080\n" });
  });
  afterAll(async () => {
    await server?.stop();
    await env?.stop();
  });

  it("create source helm and create helmrelease install the chart with the values", async () => {
    const src = await env.sluice("create", "source", "helm", "charts", "--url", server.baseUrl);
    expect(src.stderr).toMatch(/✔ fetched revision: sha256:[0-9a-f]{64}\n/);
    expect(src.code).toBe(0);

    const exported = await env.sluice(
      "create",
      "hr",
      "web",
      "--source",
      "HelmRepository/charts",
      "--chart",
      "web",
      "--chart-version",
      "1.0.0",
      "--target-namespace",
      "apps",
      "--values",
      "values.yaml",
      "--export",
    );
    expect(exported.stdout).toContain(
      "spec:\n  chart:\n    spec:\n      chart: web\n      reconcileStrategy: ChartVersion\n      sourceRef:\n        kind: HelmRepository\n        name: charts\n      version: 1.0.0\n",
    );
    expect(exported.stdout).toContain("  values:\n    replicaCount: 2\n    service:\n      port: 8080\n");

    const r = await env.sluice(
      "create",
      "hr",
      "web",
      "--source",
      "HelmRepository/charts",
      "--chart",
      "web",
      "--chart-version",
      "1.0.0",
      "--target-namespace",
      "apps",
      "--values",
      "values.yaml",
      "--timeout",
      "3m",
    );
    expect(r.stderr).toContain(
      "✚ generating HelmRelease\n► applying HelmRelease\n✔ HelmRelease created\n◎ waiting for HelmRelease reconciliation\n✔ HelmRelease web is ready\n✔ applied revision 1.0.0\n",
    );
    expect(r.code).toBe(0);
    const deploy = await env.cluster.client.get<UnstructuredObject>({
      apiVersion: "apps/v1",
      kind: "Deployment",
      namespace: "apps",
      name: "apps-web",
    });
    expect((deploy["spec"] as { replicas: number }).replicas).toBe(2);
  });

  it("get helmreleases and get sources chart show the release and its chart", async () => {
    const hr = await env.sluice("get", "hr");
    expect(hr.stdout.split("\n")[1]).toMatch(/^web\s+1\.0\.0\s+False\s+True\s+/);
    const chart = await env.sluice("get", "sources", "chart");
    expect(chart.stdout.split("\n")[1]).toMatch(/^flux-system-web\s+1\.0\.0\s+False\s+True\s+/);
  });

  it("reconcile helmrelease --with-source reconciles the chart's source, the chart, then the release", async () => {
    const r = await env.sluice("reconcile", "hr", "web", "--with-source", "--timeout", "3m");
    const repo = r.stderr.indexOf("► annotating HelmRepository ");
    const chart = r.stderr.indexOf("► annotating HelmChart flux-system-web in flux-system namespace\n");
    const release = r.stderr.indexOf("► annotating HelmRelease web in flux-system namespace\n");
    expect(repo).toBeGreaterThanOrEqual(0);
    expect(chart).toBeGreaterThan(repo);
    expect(release).toBeGreaterThan(chart);
    expect(r.stderr).toContain("✔ fetched revision 1.0.0\n");
    expect(r.stderr).toContain("► annotating HelmRelease web in flux-system namespace\n");
    expect(r.stderr.trimEnd().split("\n").at(-1)).toBe("✔ applied revision 1.0.0");
    expect(r.code).toBe(0);
  });

  it("reconcile helmrelease --force upgrades the release again", async () => {
    const ref = { apiVersion: "helm.toolkit.fluxcd.io/v2", kind: "HelmRelease", namespace: "flux-system", name: "web" };
    const before = await env.cluster.client.get<UnstructuredObject>(ref);
    const version = (before["status"] as { history: { version: number }[] }).history[0]!.version;
    const r = await env.sluice("reconcile", "hr", "web", "--force", "--timeout", "3m");
    expect(r.code).toBe(0);
    const after = await env.cluster.client.get<UnstructuredObject>(ref);
    expect(after.metadata.annotations?.["reconcile.fluxcd.io/forceAt"]).toBe(
      after.metadata.annotations?.["reconcile.fluxcd.io/requestedAt"],
    );
    expect((after["status"] as { history: { version: number }[] }).history[0]!.version).toBe(version + 1);
  });

  it("trace follows a release object to the HelmRelease, HelmChart and HelmRepository", async () => {
    const r = await env.sluice("trace", "deployment", "apps-web", "-n", "apps");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const parts = r.stdout.split("\n---\n");
    expect(parts[1]).toMatch(/^HelmRelease:\s+web\nNamespace:\s+flux-system\nTarget:\s+apps\nRevision:\s+1\.0\.0\n/);
    expect(parts[2]).toMatch(
      /^HelmChart:\s+flux-system-web\nNamespace:\s+flux-system\nChart:\s+web\nVersion:\s+1\.0\.0\n/,
    );
    expect(parts[3]).toMatch(
      new RegExp(
        `^HelmRepository:\\s+charts\\nNamespace:\\s+flux-system\\nURL:\\s+${server.baseUrl.replace(/[.]/g, "\\.")}\\n`,
      ),
    );
  });

  it("a failing install reports helm's error as the Ready message, as helm-controller summarizes it", async () => {
    // A name the API server refuses makes helm record a failed release (retries exhausted: Stalled).
    await writeTree(env.workDir, { "bad-values.yaml": "fullnameOverride: Not_Valid\n" });
    const r = await env.sluice(
      "create",
      "hr",
      "bad",
      "--source",
      "HelmRepository/charts",
      "--chart",
      "web",
      "--chart-version",
      "1.0.0",
      "--target-namespace",
      "apps",
      "--values",
      "bad-values.yaml",
      "--timeout",
      "3m",
    );
    expect(r.code).toBe(1);
    const last = r.stderr.trimEnd().split("\n").at(-1) ?? "";
    expect(last).toMatch(/^✗ Helm install failed for release apps\/apps-bad with chart web@1\.0\.0: .*Not_Valid/);
  });
});
