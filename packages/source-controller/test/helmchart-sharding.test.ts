// `--watch-label-selector` with HelmCharts: an instance builds only the HelmCharts of its shard, and a new
// index of its shard's HelmRepository still re-triggers them.

import { join } from "node:path";
import type { HelmChart } from "@sluice/api";
import {
  createHelmChartRepo,
  type HelmChartRepo,
  type HelmRepoServer,
  startHelmRepoServer,
  tempDir,
} from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ControllerEnv, startControllerEnv } from "./support/controller-env.js";
import { sourceObjects } from "./support/source-objects.js";

const NS = "helmchart-shard";
const SHARD_KEY = "sharding.fluxcd.io/key";

let root: { path: string; remove: () => Promise<void> };
let env: ControllerEnv;
let repo: HelmChartRepo;
let server: HelmRepoServer;

beforeAll(async () => {
  root = await tempDir("sc-helmchart-shard-");
  repo = await createHelmChartRepo(join(root.path, "helm"), () => server.baseUrl);
  server = await startHelmRepoServer(repo.dir);
  await repo.addChart("app", "1.0.0");
  env = await startControllerEnv(root.path, NS, { watchLabelSelector: `${SHARD_KEY}=shard1` });
}, 60_000);

afterAll(async () => {
  await env?.stop();
  await server?.stop();
  await root?.remove();
});

const objects = sourceObjects(() => env);
const { ref, requestReconcile } = objects;
const create = (kind: string, name: string, spec: Record<string, unknown>, shard: string) =>
  objects.create(kind, name, spec, { [SHARD_KEY]: shard });
const waitChart = (name: string, check: (c: HelmChart) => boolean, what: string) =>
  objects.waitFor<HelmChart>("HelmChart", name, check, what);

describe("HelmChart sharding", () => {
  it("builds only the shard's HelmCharts, and rebuilds them on a new index", async () => {
    await create("HelmRepository", "repo", { url: server.baseUrl }, "shard1");
    await create(
      "HelmChart",
      "other-shard",
      { chart: "app", sourceRef: { kind: "HelmRepository", name: "repo" } },
      "shard2",
    );
    await create("HelmChart", "mine", { chart: "app", sourceRef: { kind: "HelmRepository", name: "repo" } }, "shard1");
    const mine = await waitChart("mine", (c) => c.status?.artifact?.revision === "1.0.0", "artifact 1.0.0");
    expect(mine.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");

    await repo.addChart("app", "1.1.0");
    await requestReconcile("HelmRepository", "repo");
    await waitChart("mine", (c) => c.status?.artifact?.revision === "1.1.0", "artifact 1.1.0");

    const other = await env.cluster.client.get<HelmChart>(ref("HelmChart", "other-shard"));
    expect(other.status?.conditions).toBeUndefined();
    expect(other.status?.artifact).toBeUndefined();
    expect(other.metadata.finalizers ?? []).toEqual([]);
  });
});
