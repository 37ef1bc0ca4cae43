// `--watch-label-selector`: a controller instance reconciles only the sources (GitRepositories,
// HelmRepositories) of its shard.

import { join } from "node:path";
import type { GitRepository, HelmRepository } from "@sluice/api";
import type { UnstructuredObject } from "@sluice/runtime";
import {
  createFixtureRepo,
  createHelmChartRepo,
  type GitHttpServer,
  type HelmRepoServer,
  startGitHttpServer,
  startHelmRepoServer,
  tempDir,
} from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ControllerEnv,
  createGitRepository,
  gitRepositoryRef,
  isReadyNow,
  requestReconcile,
  SOURCE_API,
  startControllerEnv,
  waitForGitRepository,
} from "./support/controller-env.js";

const NS = "flux-shard";
const SHARD_KEY = "sharding.fluxcd.io/key";

let root: { path: string; remove: () => Promise<void> };
let env: ControllerEnv;
let git: GitHttpServer;
let charts: HelmRepoServer;

beforeAll(async () => {
  root = await tempDir("sc-shard-");
  const repo = await createFixtureRepo(join(root.path, "repos"), "app");
  await repo.commit({ "a.yaml": "a: 1\n" }, "first");
  await repo.push();
  git = await startGitHttpServer({ root: join(root.path, "repos") });
  const chartRepo = await createHelmChartRepo(join(root.path, "helm"), () => charts.baseUrl);
  charts = await startHelmRepoServer(chartRepo.dir);
  await chartRepo.addChart("app", "1.0.0");
  env = await startControllerEnv(root.path, NS, { watchLabelSelector: `${SHARD_KEY}=shard1` });
}, 60_000);

afterAll(async () => {
  await env?.stop();
  await git?.stop();
  await charts?.stop();
  await root?.remove();
});

async function labelled(name: string, shard: string | undefined): Promise<void> {
  await createGitRepository(env, name, { url: git.url("app.git") });
  if (shard) {
    await env.cluster.client.patch(
      gitRepositoryRef(env, name),
      { metadata: { labels: { [SHARD_KEY]: shard } } },
      { type: "application/merge-patch+json" },
    );
  }
}

describe("--watch-label-selector", () => {
  it("reconciles its shard's objects and leaves the others untouched", async () => {
    await labelled("other-shard", "shard2");
    await labelled("unlabelled", undefined);
    await labelled("mine", "shard1");
    const mine = await waitForGitRepository(env, "mine", isReadyNow, "Ready");
    expect(mine.status?.artifact?.revision).toMatch(/^master@sha1:/);

    // A handled reconcile request of a later object proves the others had their chance.
    await labelled("mine-too", "shard1");
    const at = await requestReconcile(env, "mine-too");
    await waitForGitRepository(env, "mine-too", (o) => o.status?.lastHandledReconcileAt === at, "handled");
    for (const name of ["other-shard", "unlabelled"]) {
      const obj = await env.cluster.client.get<GitRepository>(gitRepositoryRef(env, name));
      expect(obj.status?.conditions).toBeUndefined();
      expect(obj.status?.artifact).toBeUndefined();
      expect(obj.metadata.finalizers ?? []).toEqual([]);
    }
  });

  it("picks up an object once it is labelled for the shard", async () => {
    await labelled("moved", "shard2");
    await env.cluster.client.patch(
      gitRepositoryRef(env, "moved"),
      { metadata: { labels: { [SHARD_KEY]: "shard1" } } },
      { type: "application/merge-patch+json" },
    );
    await waitForGitRepository(env, "moved", isReadyNow, "Ready");
  });

  it("applies to HelmRepositories too", async () => {
    const helmRef = (name: string) => ({ apiVersion: SOURCE_API, kind: "HelmRepository", namespace: NS, name });
    for (const [name, shard] of [
      ["helm-other", "shard2"],
      ["helm-mine", "shard1"],
    ] as const) {
      await env.cluster.client.create({
        apiVersion: SOURCE_API,
        kind: "HelmRepository",
        metadata: { namespace: NS, name, labels: { [SHARD_KEY]: shard } },
        spec: { interval: "10m", url: charts.baseUrl },
      } as UnstructuredObject);
    }
    const deadline = Date.now() + 30_000;
    for (;;) {
      const mine = await env.cluster.client.get<HelmRepository>(helmRef("helm-mine"));
      if (mine.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")) break;
      if (Date.now() > deadline) throw new Error(`helm-mine not Ready: ${JSON.stringify(mine.status)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // helm-mine was created after helm-other: once it is Ready, helm-other had its chance in the same queue.
    const other = await env.cluster.client.get<HelmRepository>(helmRef("helm-other"));
    expect(other.status?.conditions).toBeUndefined();
    expect(other.metadata.finalizers ?? []).toEqual([]);
  });
});
