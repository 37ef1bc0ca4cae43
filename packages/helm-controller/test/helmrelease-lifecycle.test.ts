// HelmRelease lifecycle against the embedded API server and the real helm binary: install, upgrade on a
// values change, history read back from Helm's storage, and uninstall on deletion.

import type { HelmRelease } from "@sluice/api";
import { tempDir } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  conditionOf,
  createHelmRelease,
  type HelmEnv,
  helmReleaseRef,
  isReadyNow,
  packageChart,
  publishHelmChart,
  startHelmEnv,
  until,
  waitForHelmRelease,
} from "./support/helm-env.js";

const NS = "apps";
let work: Awaited<ReturnType<typeof tempDir>>;
let env: HelmEnv;

beforeAll(async () => {
  work = await tempDir("hc-lifecycle-");
  env = await startHelmEnv(work.path, NS);
  const chart = await packageChart(env, work.path, "podinfo", "1.0.0");
  await publishHelmChart(env, "podinfo", chart, "1.0.0");
}, 120_000);

afterAll(async () => {
  await env?.stop();
  await work?.remove();
});

describe("HelmRelease lifecycle", () => {
  it("installs the chart with helm, visible to helm list and helm history", async () => {
    await createHelmRelease(env, "web", {
      chartRef: { kind: "HelmChart", name: "podinfo" },
      values: { replicaCount: 2 },
    });
    const hr = await waitForHelmRelease(env, "web", "Ready after install", isReadyNow);
    expect(conditionOf(hr, "Released")).toMatchObject({ status: "True", reason: "InstallSucceeded" });
    expect(conditionOf(hr, "Ready")?.message).toBe(
      "Helm install succeeded for release apps/web.v1 with chart podinfo@1.0.0",
    );
    expect(hr.status?.history?.[0]).toMatchObject({
      name: "web",
      namespace: NS,
      version: 1,
      status: "deployed",
      action: "install",
      chartName: "podinfo",
      chartVersion: "1.0.0",
    });
    expect(hr.status?.history?.[0]?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(hr.status?.lastAttemptedRevision).toBe("1.0.0");
    expect(hr.status?.lastAttemptedReleaseAction).toBe("install");
    expect(hr.status?.storageNamespace).toBe(NS);
    expect(hr.status?.inventory?.entries.map((e) => e.id)).toContain("apps_web-podinfo_apps_Deployment");

    const list = JSON.parse(await env.helm(["list", "-n", NS, "-o", "json"])) as { name: string; status: string }[];
    expect(list).toEqual([expect.objectContaining({ name: "web", status: "deployed", chart: "podinfo-1.0.0" })]);
    const installed = env.sink.events.find((e) => e.involvedObject.name === "web" && e.reason === "InstallSucceeded");
    expect(installed).toMatchObject({
      severity: "info",
      reportingController: "helm-controller",
      message: "Helm install succeeded for release apps/web.v1 with chart podinfo@1.0.0",
      metadata: { "helm.toolkit.fluxcd.io/revision": "1.0.0" },
    });
    const values = JSON.parse(await env.helm(["get", "values", "web", "-n", NS, "-o", "json"]));
    expect(values).toEqual({ replicaCount: 2 });

    const deploy = await env.client.get({
      apiVersion: "apps/v1",
      kind: "Deployment",
      namespace: NS,
      name: "web-podinfo",
    });
    expect(deploy.metadata.labels).toMatchObject({
      "helm.toolkit.fluxcd.io/name": "web",
      "helm.toolkit.fluxcd.io/namespace": NS,
    });
  });

  it("upgrades when values change and records the new release in history", async () => {
    const before = await env.client.get<HelmRelease>(helmReleaseRef(env, "web"));
    await env.client.patch(
      helmReleaseRef(env, "web"),
      { spec: { values: { replicaCount: 3 } } },
      { type: "application/merge-patch+json" },
    );
    const hr = await waitForHelmRelease(
      env,
      "web",
      "upgraded",
      (o) => isReadyNow(o) && o.metadata.generation !== before.metadata.generation,
    );
    expect(conditionOf(hr, "Released")).toMatchObject({ status: "True", reason: "UpgradeSucceeded" });
    expect(hr.status?.history?.[0]).toMatchObject({ version: 2, status: "deployed", action: "upgrade" });
    expect(hr.status?.history?.[0]?.configDigest).not.toBe(before.status?.history?.[0]?.configDigest);
    const history = JSON.parse(await env.helm(["history", "web", "-n", NS, "-o", "json"])) as {
      revision: number;
      status: string;
    }[];
    expect(history.map((h) => [h.revision, h.status])).toEqual([
      [1, "superseded"],
      [2, "deployed"],
    ]);
    const deploy = await env.client.get({
      apiVersion: "apps/v1",
      kind: "Deployment",
      namespace: NS,
      name: "web-podinfo",
    });
    expect((deploy["spec"] as { replicas: number }).replicas).toBe(3);
  });

  it("merges valuesFrom in order with targetPath, runs helm tests, and upgrades when a watched ConfigMap changes", async () => {
    await env.client.create({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { namespace: NS, name: "api-values", labels: { "reconcile.fluxcd.io/watch": "Enabled" } },
      data: { "values.yaml": "replicaCount: 2\nservice:\n  port: 8080\n" },
    });
    await env.client.create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { namespace: NS, name: "api-secret" },
      data: { port: Buffer.from("9090").toString("base64") },
    });
    await createHelmRelease(env, "api", {
      chartRef: { kind: "HelmChart", name: "podinfo" },
      valuesFrom: [
        { kind: "ConfigMap", name: "api-values" },
        { kind: "Secret", name: "api-secret", valuesKey: "port", targetPath: "service.port" },
        { kind: "ConfigMap", name: "missing", optional: true },
      ],
      values: { podAnnotations: { team: "api" } },
      test: { enable: true },
    });
    const hr = await waitForHelmRelease(
      env,
      "api",
      "installed and tested",
      (o) => isReadyNow(o) && conditionOf(o, "TestSuccess")?.status === "True",
    );
    expect(conditionOf(hr, "TestSuccess")).toMatchObject({ reason: "TestSucceeded" });
    expect(conditionOf(hr, "TestSuccess")?.message).toBe(
      "Helm test succeeded for release apps/api.v1 with chart podinfo@1.0.0: 1 test hook completed successfully",
    );
    expect(hr.status?.history?.[0]?.testHooks).toEqual({
      "api-podinfo-test-connection": expect.objectContaining({ phase: "Succeeded" }),
    });
    const values = JSON.parse(await env.helm(["get", "values", "api", "-n", NS, "-o", "json"]));
    expect(values).toEqual({ replicaCount: 2, service: { port: 9090 }, podAnnotations: { team: "api" } });
    expect(hr.status?.lastAttemptedConfigDigest).toBe(hr.status?.history?.[0]?.configDigest);

    await env.client.patch(
      { apiVersion: "v1", kind: "ConfigMap", namespace: NS, name: "api-values" },
      { data: { "values.yaml": "replicaCount: 3\n" } },
      { type: "application/merge-patch+json" },
    );
    const upgraded = await waitForHelmRelease(
      env,
      "api",
      "upgraded after the ConfigMap changed",
      (o) => o.status?.history?.[0]?.version === 2 && conditionOf(o, "TestSuccess")?.status === "True",
    );
    expect(conditionOf(upgraded, "Released")).toMatchObject({ status: "True", reason: "UpgradeSucceeded" });
    const after = JSON.parse(await env.helm(["get", "values", "api", "-n", NS, "-o", "json"]));
    expect(after).toEqual({ replicaCount: 3, service: { port: 9090 }, podAnnotations: { team: "api" } });
  });

  it("keeps the release records in spec.storageNamespace, apart from the release namespace, as Flux", async () => {
    await env.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "records" } });
    await createHelmRelease(env, "split", {
      chartRef: { kind: "HelmChart", name: "podinfo" },
      storageNamespace: "records",
    });
    const hr = await waitForHelmRelease(env, "split", "installed", isReadyNow);
    expect(hr.status?.storageNamespace).toBe("records");
    const names = async (namespace: string) =>
      (await env.client.list("v1", "Secret", { namespace, labelSelector: "owner=helm,name=split" })).items.map(
        (s) => s.metadata.name,
      );
    expect(await names("records")).toEqual(["sh.helm.release.v1.split.v1"]);
    expect(await names(NS)).toEqual([]);
    expect(
      await env.client.getOptional({ apiVersion: "apps/v1", kind: "Deployment", namespace: NS, name: "split-podinfo" }),
    ).toBeDefined();
    await env.client.delete(helmReleaseRef(env, "split"));
    await until(async () => !(await env.client.getOptional(helmReleaseRef(env, "split"))), "HelmRelease split gone");
    expect(await names("records")).toEqual([]);
  });

  it("uninstalls the release when the HelmRelease is deleted", async () => {
    await env.client.delete(helmReleaseRef(env, "api"));
    await env.client.delete(helmReleaseRef(env, "web"));
    await until(async () => !(await env.client.getOptional(helmReleaseRef(env, "web"))), "HelmRelease gone");
    await until(async () => !(await env.client.getOptional(helmReleaseRef(env, "api"))), "HelmRelease api gone");
    const list = JSON.parse(await env.helm(["list", "-n", NS, "-o", "json"])) as unknown[];
    expect(list).toEqual([]);
    const deploy = await env.client.getOptional({
      apiVersion: "apps/v1",
      kind: "Deployment",
      namespace: NS,
      name: "web-podinfo",
    });
    expect(deploy).toBeUndefined();
  });
});
