// P6: 100 HelmReleases of one chart (`helm create`, packaged into a chart repository served on 127.0.0.1)
// from one HelmRepository, timed from the apply of the HelmReleases to all of them Ready, polled from
// outside. Anchor in the same run: `helm install --wait` of the same chart package, one after the other,
// against the same API server (what a user would otherwise run by hand).

import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { KubeClient, UnstructuredObject } from "@sluice/runtime";
import { resolveTool } from "@sluice/runtime/tools";
import { createHelmChartRepo, ensureNamespace, type HelmRepoServer, startHelmRepoServer } from "@sluice/testkit";
import { type ProductProcess, processCpuSeconds } from "./processes.js";
import { isController } from "./requests.js";
import { applyAll, type Figure, isReady, measured, until } from "./scenarios.js";

const run = promisify(execFile);
const HELM_API = "helm.toolkit.fluxcd.io/v2";
const CHART = "small";
const VERSION = "1.0.0";

/** A chart repository holding `small` 1.0.0, served over HTTP. */
export interface ChartRepo {
  url: string;
  /** The packaged chart file (what the anchor installs). */
  packagePath: string;
  stop(): Promise<void>;
}

export async function startChartRepo(): Promise<ChartRepo> {
  const root = await mkdtemp(join(tmpdir(), "sluice-e2e-bench-charts-"));
  let server: HelmRepoServer | undefined;
  const repo = await createHelmChartRepo(root, () => server?.baseUrl ?? "");
  server = await startHelmRepoServer(repo.dir);
  await repo.addChart(CHART, VERSION);
  return {
    url: server.baseUrl,
    packagePath: join(repo.dir, `${CHART}-${VERSION}.tgz`),
    stop: async () => {
      await server?.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

function helmRelease(name: string, namespace: string): UnstructuredObject {
  return {
    apiVersion: HELM_API,
    kind: "HelmRelease",
    metadata: { name, namespace },
    spec: {
      interval: "1h",
      chart: {
        spec: { chart: CHART, version: VERSION, sourceRef: { kind: "HelmRepository", name: "charts" }, interval: "1h" },
      },
      values: { replicaCount: 1 },
    },
  } as UnstructuredObject;
}

/** CPU seconds the product's processes (and their finished children: helm) used while `body` ran. */
async function withCpu(processes: ProductProcess[], body: () => Promise<Figure>): Promise<Figure> {
  const read = () =>
    Promise.all([...processes.map((p) => processCpuSeconds(p.child.pid)), processCpuSeconds(process.pid)]);
  const before = await read();
  const figure = await body();
  const after = await read();
  const used = after.map((a, i) => ({
    self: a.self - (before[i]?.self ?? 0),
    children: a.children - (before[i]?.children ?? 0),
  }));
  const bench = used.pop() ?? { self: 0, children: 0 };
  const sum = (k: "self" | "children") => used.reduce((n, c) => n + c[k], 0).toFixed(1);
  const each =
    processes.length > 1 ? ` (${processes.map((p, i) => `${p.name} ${used[i]?.self.toFixed(1)}`).join(", ")})` : "";
  const cpu =
    `CPU: product ${sum("self")} s${each} + its children (helm) ${sum("children")} s; ` +
    `bench's helm ${bench.children.toFixed(1)} s`;
  figure.note = [figure.note, cpu].filter(Boolean).join("; ");
  console.log(JSON.stringify({ scenario: figure.scenario, cpu }));
  return figure;
}

/** `count` HelmReleases of the one chart (each its own release) → all Ready. */
export async function manyHelmReleases(
  client: KubeClient,
  mode: string,
  processes: ProductProcess[],
  repo: ChartRepo,
  count: number,
): Promise<Figure> {
  const ns = `hr-${count}`;
  await ensureNamespace(client, ns);
  await client.apply(
    {
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "HelmRepository",
      metadata: { name: "charts", namespace: ns },
      spec: { url: repo.url, interval: "1h" },
    } as UnstructuredObject,
    { fieldManager: "sluice-bench", force: true },
  );
  type Listed = UnstructuredObject & Parameters<typeof isReady>[0];
  let lastReady = 0;
  const body = async () => {
    await applyAll(
      client,
      Array.from({ length: count }, (_, i) => helmRelease(`app-${i}`, ns)),
    );
    const allReady = async () => {
      const { items } = await client.list<Listed>(HELM_API, "HelmRelease", { namespace: ns });
      lastReady = items.filter(isReady).length;
      return lastReady === count;
    };
    await until(`${count} HelmReleases Ready`, allReady, Number(process.env["BENCH_HR_TIMEOUT_MS"] ?? 600_000), 200);
    return undefined;
  };
  const scenario = `${count} HelmReleases of one chart → all Ready`;
  // helm-controller's own requests and those of the helm processes it runs (User-Agent Helm).
  const counted = (c: string) => isController(c) || c === "Helm";
  return withCpu(processes, () => measured(client, mode, scenario, body, counted)).catch((err: unknown) => {
    throw new Error(`${mode}: ${count} HelmReleases: ${lastReady} Ready: ${String(err)}`);
  });
}

/** The anchor: `helm install --wait` of the same package `count` times, one after the other. */
export async function helmInstallAnchor(
  client: KubeClient,
  mode: string,
  processes: ProductProcess[],
  kubeconfig: string,
  repo: ChartRepo,
  count: number,
): Promise<Figure> {
  const ns = `helm-anchor-${count}`;
  await ensureNamespace(client, ns);
  const helm = resolveTool("helm").path;
  const home = await mkdtemp(join(tmpdir(), "sluice-e2e-bench-helm-"));
  const env = {
    PATH: process.env["PATH"] ?? "",
    HOME: home,
    HELM_CACHE_HOME: join(home, "cache"),
    HELM_CONFIG_HOME: join(home, "config"),
    HELM_DATA_HOME: join(home, "data"),
  };
  try {
    return await withCpu(processes, () =>
      measured(
        client,
        mode,
        `${count}× helm install --wait of the same chart, one after the other`,
        async () => {
          for (let i = 0; i < count; i++) {
            await run(helm, ["install", `app-${i}`, repo.packagePath, "-n", ns, "--wait", "--kubeconfig", kubeconfig], {
              env,
            });
          }
          return undefined;
        },
        (c) => c === "Helm",
      ),
    );
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
