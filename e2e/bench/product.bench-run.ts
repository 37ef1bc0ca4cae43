// End-to-end figures of the product as users run it (issue 17), printed as a table; nothing is asserted.
// Two modes, one after the other: (a) `sluice up` with its defaults, one process; (b) the API server and
// source-/kustomize-controller as their own processes with the Helm chart's flags (QPS 50, burst 300).
// In each: the kubectl anchor and the Kustomization of the same 500 ConfigMaps on the same API server; a
// no-op reconcile of those 500; flux-benchmark's 100 and 500 Kustomizations × 4 objects (1000 with
// BENCH_KS_1000=1; or the counts in BENCH_KS=100,1000); git push → applied; 100 HelmReleases of one chart
// against 100 sequential `helm install --wait` (BENCH_HR=count, BENCH_HR_ANCHOR=count of the anchor); peak
// RSS per process; CPU seconds the product used per scenario (load-independent). Request counts come from
// the API server's `/metrics` (the controllers' requests only; watches left out). Set BENCH_MODES=up or =chart for one mode, BENCH_SCENARIOS=cm,ks,helm for some.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveTool } from "@sluice/runtime/tools";
import { createFixtureRepo, startGitHttpServer } from "@sluice/testkit";
import { it } from "vitest";
import { mainRepoFiles, pushRepoFiles } from "./product/fixtures.js";
import { type ChartRepo, helmInstallAnchor, manyHelmReleases, startChartRepo } from "./product/helm.js";
import { memoryMiB, type Product, productCpuSeconds, startChartProcesses, startSluiceUp } from "./product/processes.js";
import {
  type Figure,
  freshApply,
  kubectlApply,
  load,
  manyKustomizations,
  noOp,
  pushToApplied,
  sampleCpuWith,
  setUpPush,
  setUpSource,
} from "./product/scenarios.js";

const KUBECTL = resolveTool("kubectl").path;
const MODES = (process.env["BENCH_MODES"] ?? "up,chart").split(",");
const COUNTS = process.env["BENCH_KS"]
  ? process.env["BENCH_KS"]
      .split(",")
      .map(Number)
      .filter((n) => n > 0)
  : [100, 500, ...(process.env["BENCH_KS_1000"] === "1" ? [1000] : [])];
const SCENARIOS = (process.env["BENCH_SCENARIOS"] ?? "cm,ks,helm").split(",");
const HELM_RELEASES = Number(process.env["BENCH_HR"] ?? 100);
const HELM_ANCHOR = Number(process.env["BENCH_HR_ANCHOR"] ?? HELM_RELEASES);

function printTable(figures: Figure[]): void {
  const rows = figures.map((f) => [
    f.mode,
    f.scenario,
    `${(f.ms / 1000).toFixed(2)} s`,
    f.requests === undefined ? "" : `${f.requests} req / ${f.writes} writes`,
    f.load,
    [f.note, f.breakdown].filter(Boolean).join("; "),
  ]);
  const header = ["mode", "scenario", "time", "requests (product)", "load 1/5/15", "notes"];
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => ((r[i] ?? "").length > 70 ? 0 : (r[i] ?? "").length))),
  );
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ");
  console.log([line(header), widths.map((w) => "-".repeat(w)).join("-|-"), ...rows.map(line)].join("\n"));
}

async function runMode(
  mode: string,
  start: (dir: string) => Promise<Product>,
  urls: { main: string; push: string },
  cmDir: string,
  push: Awaited<ReturnType<typeof createFixtureRepo>>,
  charts: ChartRepo,
  figures: Figure[],
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "sluice-e2e-bench-"));
  const product = await start(dir);
  sampleCpuWith(() => productCpuSeconds(product.processes.map((p) => p.child.pid)));
  try {
    const c = product.client;
    if (SCENARIOS.includes("cm") || SCENARIOS.includes("ks")) figures.push(await setUpSource(c, mode, urls.main));
    if (SCENARIOS.includes("cm")) {
      const anchor = await kubectlApply(c, mode, KUBECTL, product.kubeconfig, cmDir);
      figures.push(anchor);
      const fresh = await freshApply(c, mode);
      fresh.note = `${fresh.note}; ${(fresh.ms / anchor.ms).toFixed(2)}× kubectl`;
      figures.push(fresh);
      for (let i = 0; i < 3; i++) figures.push(await noOp(c, mode, "cm500", `500 ConfigMaps #${i + 1}`));
      await setUpPush(c, urls.push);
      figures.push(await pushToApplied(c, mode, push, Date.now() % 100_000));
    }
    if (SCENARIOS.includes("ks")) for (const n of COUNTS) figures.push(await manyKustomizations(c, mode, n));
    if (SCENARIOS.includes("helm")) {
      const anchor = await helmInstallAnchor(c, mode, product.processes, product.kubeconfig, charts, HELM_ANCHOR);
      figures.push(anchor);
      const hr = await manyHelmReleases(c, mode, product.processes, charts, HELM_RELEASES);
      const perAnchor = (anchor.ms / HELM_ANCHOR) * HELM_RELEASES;
      hr.note = [hr.note, `${(hr.ms / perAnchor).toFixed(2)}× sequential helm install`].filter(Boolean).join("; ");
      figures.push(hr);
    }
    for (const p of product.processes) {
      const m = await memoryMiB(p.child.pid);
      figures.push({
        mode,
        scenario: `peak RSS: ${p.name}`,
        ms: 0,
        note: `${m.peak.toFixed(0)} MiB peak, ${m.now.toFixed(0)} MiB now`,
        load: load(),
      });
    }
  } finally {
    sampleCpuWith(undefined);
    await product.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

it("prints end-to-end figures of sluice up and of the chart's processes", async () => {
  const root = await mkdtemp(join(tmpdir(), "sluice-e2e-bench-git-"));
  const git = await startGitHttpServer({ root });
  const figures: Figure[] = [];
  const charts = await startChartRepo();
  try {
    const main = await createFixtureRepo(root, "main");
    await main.commit(mainRepoFiles(500), "500 ConfigMaps and the 4-object app");
    await main.push();
    const push = await createFixtureRepo(root, "push");
    await push.commit(pushRepoFiles(0), "initial");
    await push.push();
    const urls = { main: git.url("main.git"), push: git.url("push.git") };
    const cmDir = join(main.work, "cm500");
    if (MODES.includes("up")) await runMode("sluice up", startSluiceUp, urls, cmDir, push, charts, figures);
    if (MODES.includes("chart")) await runMode("chart flags", startChartProcesses, urls, cmDir, push, charts, figures);
  } finally {
    printTable(figures);
    await charts.stop();
    await git.stop();
    await rm(root, { recursive: true, force: true });
  }
});
