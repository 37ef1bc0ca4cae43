// The Helm index cache (`--helm-cache-max-size`) and `gotk_cache_events_total{event_type,name,namespace}` as
// Flux's source-controller has them: a HelmChart finding its HelmRepository's index in the cache counts a
// cache_hit, one whose index could not be cached (cache full) a cache_miss; a deleted HelmRepository's
// series go; without a cache the counter exists but never moves.

import type { HelmChart, HelmRepository } from "@sluice/api";
import {
  createHelmChartRepo,
  eventually,
  type HelmChartRepo,
  type HelmRepoServer,
  startHelmRepoServer,
  tempDir,
} from "@sluice/testkit";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSourceController } from "../src/index.js";
import { type ControllerEnv, startControllerEnv } from "./support/controller-env.js";
import { readyNow, sourceObjects } from "./support/source-objects.js";

const NS = "helm-cache";

let root: { path: string; remove: () => Promise<void> };
let env: ControllerEnv;
let charts: HelmChartRepo;
let server: HelmRepoServer;

beforeAll(async () => {
  root = await tempDir("sc-helm-cache-");
  charts = await createHelmChartRepo(root.path, () => server.baseUrl);
  server = await startHelmRepoServer(charts.dir);
  await charts.addChart("podinfo", "1.0.0");
  // Room for one index: the second HelmRepository's index cannot be cached.
  env = await startControllerEnv(root.path, NS, { helmCacheMaxSize: 1 });
}, 120_000);

afterAll(async () => {
  await env?.stop();
  await server?.stop();
  await root?.remove();
});

const { ref, create, waitFor } = sourceObjects(() => env);

async function cacheEvents(): Promise<string[]> {
  const text = await env.controller.manager.metrics.metrics();
  return text.split("\n").filter((l) => l.startsWith("gotk_cache_events_total{"));
}

describe("Helm index cache", () => {
  it("counts a cache_hit for a cached index and a cache_miss when the cache is full", async () => {
    for (const repo of ["cached", "uncached"]) {
      await create("HelmRepository", repo, { url: server.baseUrl });
      await waitFor<HelmRepository>("HelmRepository", repo, readyNow, `${repo} Ready`);
    }

    for (const repo of ["cached", "uncached"]) {
      await create("HelmChart", `from-${repo}`, {
        chart: "podinfo",
        version: "1.x",
        sourceRef: { kind: "HelmRepository", name: repo },
      });
      await waitFor<HelmChart>("HelmChart", `from-${repo}`, readyNow, "Ready");
    }
    const lines = await cacheEvents();
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^gotk_cache_events_total\{event_type="cache_hit",name="cached",namespace="helm-cache"\} [1-9]/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^gotk_cache_events_total\{event_type="cache_miss",name="uncached",namespace="helm-cache"\} [1-9]/,
      ),
    );
    expect(lines.filter((l) => l.includes('event_type="cache_miss",name="cached"'))).toEqual([]);
    expect(lines.filter((l) => l.includes('event_type="cache_hit",name="uncached"'))).toEqual([]);
  });

  it("drops a deleted HelmRepository's series", async () => {
    await env.cluster.client.delete(ref("HelmChart", "from-uncached"));
    await env.cluster.client.delete(ref("HelmRepository", "uncached"));
    await eventually(
      "the uncached series dropped",
      async () => !(await cacheEvents()).some((l) => l.includes('name="uncached"')),
      30_000,
    );
    expect((await cacheEvents()).some((l) => l.includes('name="cached"'))).toBe(true);
  });
});

describe("without --helm-cache-max-size", () => {
  it("registers gotk_cache_events_total without series", async () => {
    const controller = createSourceController({
      kubeConfig: env.cluster.kubeConfig,
      storagePath: root.path,
      logger: pino({ level: "silent" }),
    });
    const text = await controller.manager.metrics.metrics();
    expect(text).toContain("# TYPE gotk_cache_events_total counter");
    expect(text.split("\n").filter((l) => l.startsWith("gotk_cache_events_total{"))).toEqual([]);
  });
});
