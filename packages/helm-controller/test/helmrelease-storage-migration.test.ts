// Releases moved to Sluice keep their Helm history: a release Flux installed (records in the HelmRelease's
// namespace, objects in targetNamespace) is adopted and upgraded in place, and a release an earlier Sluice
// kept in the helm CLI's layout (records in the release namespace) has its records moved, not reinstalled.

import { join } from "node:path";
import type { UnstructuredObject } from "@sluice/runtime";
import { tempDir } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createHelmRelease,
  type HelmEnv,
  isReadyNow,
  packageChart,
  publishHelmChart,
  startHelmEnv,
  waitForHelmRelease,
} from "./support/helm-env.js";

const NS = "flux-system";
const TARGET = "apps";
let work: Awaited<ReturnType<typeof tempDir>>;
let env: HelmEnv;

const records = async (namespace: string, name: string) =>
  (await env.client.list("v1", "Secret", { namespace, labelSelector: `owner=helm,name=${name}` })).items
    .map((s) => s.metadata.name)
    .sort();
const deploymentUid = async (name: string) =>
  (await env.client.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: TARGET, name })).metadata.uid;

/** Moves a release's records as Flux's layout has them (the helm CLI can only write them next to the objects). */
async function relocate(name: string, from: string, to: string) {
  const list = await env.client.list<UnstructuredObject & { type?: string; data?: Record<string, string> }>(
    "v1",
    "Secret",
    { namespace: from, labelSelector: `owner=helm,name=${name}` },
  );
  for (const s of list.items) {
    await env.client.create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: s.metadata.name ?? "", namespace: to, labels: s.metadata.labels ?? {} },
      type: s.type,
      data: s.data,
    } as UnstructuredObject);
    await env.client.delete({ apiVersion: "v1", kind: "Secret", namespace: from, name: s.metadata.name ?? "" });
  }
}

beforeAll(async () => {
  work = await tempDir("hc-migration-");
  env = await startHelmEnv(work.path, NS);
  await env.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: TARGET } });
  const chart = await packageChart(env, work.path, "svc", "1.0.0");
  await publishHelmChart(env, "svc", chart, "1.0.0");
}, 120_000);

afterAll(async () => {
  await env?.stop();
  await work?.remove();
});

describe("release storage migration", () => {
  it("adopts a release installed by Flux (records in the HelmRelease's namespace) with an upgrade, not an install", async () => {
    await env.helm(["install", "from-flux", join(env.chartsDir, "svc-1.0.0.tgz"), "-n", TARGET]);
    await relocate("from-flux", TARGET, NS);
    const uid = await deploymentUid("from-flux-svc");
    await createHelmRelease(env, "from-flux", {
      releaseName: "from-flux",
      targetNamespace: TARGET,
      chartRef: { kind: "HelmChart", name: "svc" },
    });
    const hr = await waitForHelmRelease(env, "from-flux", "adopted", isReadyNow);
    expect(hr.status?.storageNamespace).toBe(NS);
    expect(hr.status?.history?.[0]).toMatchObject({ name: "from-flux", namespace: TARGET, version: 2 });
    expect(await records(NS, "from-flux")).toEqual([
      "sh.helm.release.v1.from-flux.v1",
      "sh.helm.release.v1.from-flux.v2",
    ]);
    expect(await records(TARGET, "from-flux")).toEqual([]);
    expect(await deploymentUid("from-flux-svc")).toBe(uid);
  });

  it("moves the records of a release kept in the release namespace by an earlier Sluice, without reinstalling", async () => {
    await env.helm(["install", "older", join(env.chartsDir, "svc-1.0.0.tgz"), "-n", TARGET]);
    const uid = await deploymentUid("older-svc");
    await createHelmRelease(env, "older", {
      releaseName: "older",
      targetNamespace: TARGET,
      chartRef: { kind: "HelmChart", name: "svc" },
      suspend: true,
    });
    // An earlier Sluice recorded the release namespace as storage namespace (set while suspended).
    await env.client.patchStatus(
      { apiVersion: "helm.toolkit.fluxcd.io/v2", kind: "HelmRelease", namespace: NS, name: "older" },
      {
        status: {
          storageNamespace: TARGET,
          history: [
            {
              name: "older",
              namespace: TARGET,
              version: 1,
              status: "deployed",
              chartName: "svc",
              chartVersion: "1.0.0",
              configDigest: "sha256:0000000000000000000000000000000000000000000000000000000000000000",
              digest: "sha256:0000000000000000000000000000000000000000000000000000000000000000",
              firstDeployed: "2026-01-01T00:00:00Z",
              lastDeployed: "2026-01-01T00:00:00Z",
            },
          ],
        },
      },
    );
    await env.client.patch(
      { apiVersion: "helm.toolkit.fluxcd.io/v2", kind: "HelmRelease", namespace: NS, name: "older" },
      { spec: { suspend: false } },
      { type: "application/merge-patch+json" },
    );
    const hr = await waitForHelmRelease(
      env,
      "older",
      "moved",
      (o) => isReadyNow(o) && o.status?.storageNamespace === NS,
    );
    expect(hr.status?.history?.[0]?.version).toBeGreaterThanOrEqual(1);
    expect((await records(NS, "older"))[0]).toBe("sh.helm.release.v1.older.v1");
    expect(await records(TARGET, "older")).toEqual([]);
    expect(await deploymentUid("older-svc")).toBe(uid);
  });
});
