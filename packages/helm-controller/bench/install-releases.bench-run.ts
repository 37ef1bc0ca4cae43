// Figures for the helm-controller as a process: the built `dist/main.js` run with Flux's flags against the
// embedded API server (HTTPS, workloads simulated) installing 50 HelmReleases of a small chart made with
// `helm create`. Prints the time until all 50 are Ready and the controller process's resident memory.

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { HelmRelease } from "@sluice/api";
import { startApiServer } from "@sluice/apiserver";
import { KubeClient, KubeConfig } from "@sluice/runtime";
import { applyChartCrds, ensureNamespace, rssMiB, startHelmRepoServer, tempDir } from "@sluice/testkit";
import { expect, it } from "vitest";
import { type HelmEnv, packageChart, publishHelmChart } from "../test/support/helm-env.js";

const run = promisify(execFile);
const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const RELEASES = 50;
const NS = "bench";

it(`helm-controller process: ${RELEASES} HelmReleases installed`, async () => {
  await run("pnpm", ["exec", "tsc", "-b", "tsconfig.build.json"], { cwd: PACKAGE_DIR });
  const root = await tempDir("hc-bench-");
  const server = await startApiServer({ port: 0, tls: true, simulateWorkloads: true, workloadDelayMs: 100 });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: "b", server: server.url, caData: Buffer.from(server.caCert ?? "").toString("base64") }],
    users: [{ name: "admin", token: server.token }],
    contexts: [{ name: "b", cluster: "b", user: "admin", namespace: "default" }],
    currentContext: "b",
  });
  const client = KubeClient.fromKubeConfig(kubeConfig, { rateLimit: false });
  const chartsDir = join(root.path, "charts");
  await mkdir(chartsDir, { recursive: true });
  const charts = await startHelmRepoServer(chartsDir);
  let child: ChildProcess | undefined;
  try {
    await applyChartCrds(client);
    await ensureNamespace(client, NS);
    const fixtures = { client, chartsDir, charts, namespace: NS } as unknown as HelmEnv;
    const chart = await packageChart(fixtures, root.path, "small", "1.0.0");
    await publishHelmChart(fixtures, "small", chart, "1.0.0");
    const kubeconfigPath = join(root.path, "kubeconfig");
    await writeFile(kubeconfigPath, kubeConfig.exportConfig(), { mode: 0o600 });
    child = spawn(
      process.execPath,
      [join(PACKAGE_DIR, "dist/main.js"), "--kubeconfig", kubeconfigPath, "--metrics-addr=0", "--health-addr=0"],
      { stdio: "ignore" },
    );
    const started = Date.now();
    for (let i = 0; i < RELEASES; i++) {
      await client.create({
        apiVersion: "helm.toolkit.fluxcd.io/v2",
        kind: "HelmRelease",
        metadata: { namespace: NS, name: `rel-${i}` },
        spec: { interval: "1h", chartRef: { kind: "HelmChart", name: "small" }, values: { replicaCount: 1 } },
      });
    }
    let peak = 0;
    const deadline = Date.now() + 900_000;
    for (;;) {
      const list = await client.list<HelmRelease>("helm.toolkit.fluxcd.io/v2", "HelmRelease", { namespace: NS });
      const ready = list.items.filter((hr) =>
        hr.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
      ).length;
      if (child.pid) peak = Math.max(peak, await rssMiB(child.pid));
      if (ready === RELEASES) break;
      if (Date.now() > deadline) throw new Error(`only ${ready}/${RELEASES} HelmReleases Ready`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const seconds = (Date.now() - started) / 1000;
    const idle = child.pid ? await rssMiB(child.pid) : Number.NaN;
    console.log(
      `helm-controller: ${RELEASES} HelmReleases installed and Ready in ${seconds.toFixed(1)} s ` +
        `(${((seconds * 1000) / RELEASES).toFixed(0)} ms each, --concurrent 4); ` +
        `controller RSS peak ${peak.toFixed(0)} MiB, after ${idle.toFixed(0)} MiB`,
    );
    expect(seconds).toBeGreaterThan(0);
  } finally {
    child?.kill("SIGTERM");
    client.close();
    await charts.stop();
    await server.stop();
    await root.remove();
  }
});
