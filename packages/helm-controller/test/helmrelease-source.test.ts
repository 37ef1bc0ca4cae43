// HelmRelease through source-controller: `spec.chart` makes helm-controller apply a HelmChart, which the
// real source-controller builds from a HelmRepository served over HTTP (index by `helm repo index`); a new
// chart version in the repository upgrades the release; deleting the HelmRelease removes its HelmChart.

import { join } from "node:path";
import type { HelmRelease } from "@sluice/api";
import { createSourceController, type SourceController } from "@sluice/source-controller";
import {
  createHelmChartRepo,
  type HelmChartRepo,
  type HelmRepoServer,
  startHelmRepoServer,
  tempDir,
} from "@sluice/testkit";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  conditionOf,
  createHelmRelease,
  type HelmEnv,
  helmReleaseRef,
  isReadyNow,
  SOURCE_API,
  startHelmEnv,
  until,
  waitForHelmRelease,
} from "./support/helm-env.js";

const NS = "flux-apps";
let work: Awaited<ReturnType<typeof tempDir>>;
let env: HelmEnv;
let source: SourceController;
let repo: HelmChartRepo;
let repoServer: HelmRepoServer;
const abort = new AbortController();

beforeAll(async () => {
  work = await tempDir("hc-source-");
  env = await startHelmEnv(work.path, NS);
  let baseUrl = "";
  repo = await createHelmChartRepo(join(work.path, "repo"), () => baseUrl);
  repoServer = await startHelmRepoServer(repo.dir);
  baseUrl = repoServer.baseUrl;
  await repo.addChart("podinfo", "1.0.0");
  source = createSourceController({
    kubeConfig: env.kubeConfig,
    storagePath: join(work.path, "storage"),
    storageAddr: "127.0.0.1:0",
    metricsAddr: "0",
    healthAddr: "0",
    retryDelay: { min: 200, max: 2_000 },
    requeueDependencyMs: 300,
    rateLimit: false,
    logger: pino({ level: "silent" }),
  });
  source.start(abort.signal).catch(() => undefined);
  await source.ready();
  await env.client.create({
    apiVersion: SOURCE_API,
    kind: "HelmRepository",
    metadata: { namespace: NS, name: "charts" },
    spec: { url: repoServer.baseUrl, interval: "1s" },
  });
}, 120_000);

afterAll(async () => {
  abort.abort();
  await source?.stop();
  await env?.stop();
  await repoServer?.stop();
  await work?.remove();
});

describe("HelmRelease with spec.chart through source-controller", () => {
  it("applies a HelmChart, installs its artifact, and upgrades on a new chart version", async () => {
    await createHelmRelease(env, "podinfo", {
      chart: {
        spec: {
          chart: "podinfo",
          version: "1.x",
          sourceRef: { kind: "HelmRepository", name: "charts" },
          interval: "1s",
        },
      },
      values: { replicaCount: 1 },
    });
    const hr = await waitForHelmRelease(env, "podinfo", "installed from the HelmChart", isReadyNow);
    expect(hr.status?.helmChart).toBe(`${NS}/${NS}-podinfo`);
    expect(conditionOf(hr, "Released")?.message).toBe(
      `Helm install succeeded for release ${NS}/podinfo.v1 with chart podinfo@1.0.0`,
    );
    const chart = await env.client.get({
      apiVersion: SOURCE_API,
      kind: "HelmChart",
      namespace: NS,
      name: `${NS}-podinfo`,
    });
    expect(chart["spec"]).toMatchObject({
      chart: "podinfo",
      version: "1.x",
      sourceRef: { kind: "HelmRepository", name: "charts" },
      interval: "1s",
    });
    expect((chart.metadata.managedFields as { manager: string }[] | undefined)?.map((f) => f.manager)).toContain(
      "helm-controller",
    );

    await repo.addChart("podinfo", "1.1.0");
    const upgraded = await waitForHelmRelease(
      env,
      "podinfo",
      "upgraded to 1.1.0",
      (o) => isReadyNow(o) && o.status?.history?.[0]?.chartVersion === "1.1.0",
    );
    expect(conditionOf(upgraded, "Released")).toMatchObject({ status: "True", reason: "UpgradeSucceeded" });
    expect(upgraded.status?.lastAttemptedRevision).toBe("1.1.0");
    const list = JSON.parse(await env.helm(["list", "-n", NS, "-o", "json"])) as { chart: string; revision: string }[];
    expect(list).toEqual([expect.objectContaining({ chart: "podinfo-1.1.0", revision: "2" })]);
  });

  it("deletes the HelmChart it made when the HelmRelease switches to chartRef", async () => {
    await env.client.create({
      apiVersion: SOURCE_API,
      kind: "HelmChart",
      metadata: { namespace: NS, name: "shared-podinfo" },
      spec: { chart: "podinfo", version: "1.x", sourceRef: { kind: "HelmRepository", name: "charts" }, interval: "1m" },
    });
    await env.client.patch(
      helmReleaseRef(env, "podinfo"),
      { spec: { chart: null, chartRef: { kind: "HelmChart", name: "shared-podinfo" } } },
      { type: "application/merge-patch+json" },
    );
    const hr = await waitForHelmRelease(
      env,
      "podinfo",
      "switched to chartRef",
      (o) => isReadyNow(o) && o.status?.helmChart === undefined,
    );
    expect(hr.status?.history?.[0]?.chartVersion).toBe("1.1.0");
    await until(
      async () =>
        !(await env.client.getOptional({
          apiVersion: SOURCE_API,
          kind: "HelmChart",
          namespace: NS,
          name: `${NS}-podinfo`,
        })),
      "templated HelmChart deleted",
    );
    expect(
      await env.client.getOptional({
        apiVersion: SOURCE_API,
        kind: "HelmChart",
        namespace: NS,
        name: "shared-podinfo",
      }),
    ).toBeDefined();
  });

  it("uninstalls and deletes its HelmChart when the HelmRelease is deleted", async () => {
    await createHelmRelease(env, "second", {
      chart: { spec: { chart: "podinfo", sourceRef: { kind: "HelmRepository", name: "charts" }, interval: "1m" } },
    });
    await waitForHelmRelease(env, "second", "installed", isReadyNow);
    const chartRef = { apiVersion: SOURCE_API, kind: "HelmChart", namespace: NS, name: `${NS}-second` };
    expect(await env.client.getOptional(chartRef)).toBeDefined();
    await env.client.delete(helmReleaseRef(env, "second"));
    await env.client.delete(helmReleaseRef(env, "podinfo"));
    await until(async () => !(await env.client.getOptional(chartRef)), "HelmChart deleted");
    await until(async () => !(await env.client.getOptional<HelmRelease>(helmReleaseRef(env, "second"))), "HR gone");
    await until(async () => !(await env.client.getOptional<HelmRelease>(helmReleaseRef(env, "podinfo"))), "HR gone");
    expect(JSON.parse(await env.helm(["list", "-n", NS, "-o", "json"]))).toEqual([]);
  });
});
