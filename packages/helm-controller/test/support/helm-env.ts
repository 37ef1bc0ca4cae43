// Everything a HelmRelease integration test runs against: the embedded API server with workload simulation
// (Deployments become ready, so `helm --wait` succeeds) and every chart CRD, a namespace, an event sink, a
// real chart repository (helm create + helm package + helm repo index) served over HTTP, and the
// helm-controller (createHelmController) with fast retries; plus helpers to drive and observe objects.

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Condition, HelmRelease } from "@sluice/api";
import { type ApiServer, startApiServer } from "@sluice/apiserver";
import { KubeClient, KubeConfig, resolveTool, type UnstructuredObject } from "@sluice/runtime";
import {
  applyChartCrds,
  type EventSink,
  ensureNamespace,
  type HelmRepoServer,
  startEventSink,
  startHelmRepoServer,
  waitForObject,
} from "@sluice/testkit";
import { pino } from "pino";
import { createHelmController, type HelmController, type HelmControllerOptions } from "../../src/index.js";

const run = promisify(execFile);
/** apiVersion of HelmRelease. */
export const HELM_API = "helm.toolkit.fluxcd.io/v2";
/** apiVersion of the source kinds. */
export const SOURCE_API = "source.toolkit.fluxcd.io/v1";

/** A running test environment. */
export interface HelmEnv {
  /** The embedded API server (its audit log shows who made each request). */
  api: ApiServer;
  client: KubeClient;
  kubeConfig: KubeConfig;
  sink: EventSink;
  controller: HelmController;
  charts: HelmRepoServer;
  chartsDir: string;
  namespace: string;
  /** Runs the real helm binary against the environment's API server. */
  helm(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** Starts the environment; work files under `workDir`. */
export async function startHelmEnv(
  workDir: string,
  namespace: string,
  overrides: Partial<HelmControllerOptions> = {},
): Promise<HelmEnv> {
  // HTTPS: client-go (inside helm) never sends a bearer token over plain HTTP.
  const server = await startApiServer({ port: 0, tls: true, simulateWorkloads: true, workloadDelayMs: 100 });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: "test", server: server.url, caData: Buffer.from(server.caCert ?? "").toString("base64") }],
    users: [{ name: "admin", token: server.token }],
    contexts: [{ name: "test", cluster: "test", user: "admin", namespace: "default" }],
    currentContext: "test",
  });
  const client = KubeClient.fromKubeConfig(kubeConfig, { rateLimit: false });
  await applyChartCrds(client);
  await ensureNamespace(client, namespace);
  const chartsDir = join(workDir, "charts");
  await mkdir(chartsDir, { recursive: true });
  const charts = await startHelmRepoServer(chartsDir);
  const sink = await startEventSink();
  const controller = createHelmController({
    kubeConfig,
    metricsAddr: "0",
    healthAddr: "0",
    eventsAddr: sink.url,
    concurrency: 2,
    retryDelay: { min: 200, max: 2_000 },
    requeueDependencyMs: 300,
    rateLimit: false,
    logger: pino({ level: process.env["HC_TEST_LOG"] ?? "silent" }),
    ...overrides,
  });
  const abort = new AbortController();
  const running = controller.start(abort.signal);
  running.catch(() => undefined);
  const kubeconfigPath = join(workDir, "kubeconfig");
  await writeFile(kubeconfigPath, kubeConfig.exportConfig(), { mode: 0o600 });
  const helmBin = resolveTool("helm").path;
  const helmHome = join(workDir, "helm-home");
  return {
    api: server,
    client,
    kubeConfig,
    sink,
    controller,
    charts,
    chartsDir,
    namespace,
    async helm(args) {
      const env = {
        PATH: process.env["PATH"] ?? "",
        HOME: helmHome,
        HELM_CACHE_HOME: join(helmHome, "cache"),
        HELM_CONFIG_HOME: join(helmHome, "config"),
        HELM_DATA_HOME: join(helmHome, "data"),
      };
      const { stdout } = await run(helmBin, [...args, "--kubeconfig", kubeconfigPath], { env });
      return stdout;
    },
    stop: async () => {
      abort.abort();
      await running.catch(() => undefined);
      client.close();
      await server.stop();
      await charts.stop();
      await sink.stop();
    },
  };
}

/**
 * Makes a chart with the real `helm create` (optionally editing its files), packages it into the served
 * directory and returns the package file name and its sha256 digest.
 */
export async function packageChart(
  env: HelmEnv,
  workDir: string,
  name: string,
  version: string,
  edit?: (chartDir: string) => Promise<void>,
): Promise<{ file: string; digest: string }> {
  const helm = resolveTool("helm").path;
  const dir = join(workDir, "work", `${name}-${version}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const helmEnv = { ...process.env, HELM_CACHE_HOME: join(workDir, "hc"), HELM_CONFIG_HOME: join(workDir, "hcfg") };
  await run(helm, ["create", name], { cwd: dir, env: helmEnv });
  const chartDir = join(dir, name);
  const chartYaml = join(chartDir, "Chart.yaml");
  await writeFile(chartYaml, (await readFile(chartYaml, "utf8")).replace(/^version: .*$/m, `version: ${version}`));
  if (edit) await edit(chartDir);
  await run(helm, ["package", chartDir, "--destination", env.chartsDir], { env: helmEnv });
  const file = `${name}-${version}.tgz`;
  const digest = `sha256:${createHash("sha256")
    .update(await readFile(join(env.chartsDir, file)))
    .digest("hex")}`;
  return { file, digest };
}

/**
 * Publishes a packaged chart as the artifact of HelmChart `name` (creating the object), standing in for
 * source-controller's HelmChart reconciler: Ready=True with the artifact URL, digest and version revision.
 */
export async function publishHelmChart(
  env: HelmEnv,
  name: string,
  chart: { file: string; digest: string },
  version: string,
): Promise<void> {
  const ref = { apiVersion: SOURCE_API, kind: "HelmChart", namespace: env.namespace, name };
  let obj = await env.client.getOptional(ref);
  if (!obj) {
    obj = await env.client.create({
      apiVersion: SOURCE_API,
      kind: "HelmChart",
      metadata: { namespace: env.namespace, name },
      spec: { chart: name, sourceRef: { kind: "HelmRepository", name: "local" }, interval: "10m" },
    } as UnstructuredObject);
  }
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  await env.client.patchStatus(ref, {
    status: {
      observedGeneration: obj.metadata.generation ?? 1,
      artifact: {
        path: `helmchart/${env.namespace}/${name}/${chart.file}`,
        url: `${env.charts.baseUrl}/${chart.file}`,
        revision: version,
        digest: chart.digest,
        lastUpdateTime: now,
      },
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "Succeeded",
          message: `packaged '${name}' chart with version '${version}'`,
          lastTransitionTime: now,
          observedGeneration: obj.metadata.generation ?? 1,
        },
      ],
    },
  });
}

/** The reference of HelmRelease `name`. */
export function helmReleaseRef(env: HelmEnv, name: string) {
  return { apiVersion: HELM_API, kind: "HelmRelease", namespace: env.namespace, name };
}

/** Creates a HelmRelease (interval 10m unless given). */
export async function createHelmRelease(env: HelmEnv, name: string, spec: Record<string, unknown>) {
  await env.client.create({
    apiVersion: HELM_API,
    kind: "HelmRelease",
    metadata: { namespace: env.namespace, name },
    spec: { interval: "10m", ...spec },
  } as UnstructuredObject);
}

/** The condition of `type`, if any. */
export function conditionOf(obj: HelmRelease, type: string): Condition | undefined {
  return obj.status?.conditions?.find((c) => c.type === type);
}

/** Polls HelmRelease `name` until `check` holds; fails naming `what` with the last status. */
export function waitForHelmRelease(
  env: HelmEnv,
  name: string,
  what: string,
  check: (hr: HelmRelease) => boolean,
  timeoutMs = 100_000,
): Promise<HelmRelease> {
  return waitForObject<HelmRelease>(env.client, helmReleaseRef(env, name), check, what, { timeoutMs, intervalMs: 150 });
}

/** Polls until `check` resolves true; fails naming `what`. */
export async function until(check: () => Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Ready=True for the current generation. */
export function isReadyNow(hr: HelmRelease): boolean {
  return conditionOf(hr, "Ready")?.status === "True" && hr.status?.observedGeneration === hr.metadata.generation;
}
