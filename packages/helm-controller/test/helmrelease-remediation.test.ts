// Failure handling with the real helm binary: a chart version whose pre-upgrade hook the API server refuses
// fails the upgrade; helm-controller rolls back to the last good release, retries once, remediates the last
// failure and stalls with the failure counters set. Drift in a rendered Deployment is detected and corrected.

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
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

const NS = "team";
let work: Awaited<ReturnType<typeof tempDir>>;
let env: HelmEnv;

/** A pre-upgrade hook whose name the API server rejects (not a DNS-1123 subdomain). */
const FAILING_HOOK = `apiVersion: v1
kind: ConfigMap
metadata:
  name: Broken_Hook
  annotations:
    "helm.sh/hook": pre-upgrade
data:
  a: b
`;

beforeAll(async () => {
  work = await tempDir("hc-remediation-");
  env = await startHelmEnv(work.path, NS);
}, 120_000);

afterAll(async () => {
  await env?.stop();
  await work?.remove();
});

describe("HelmRelease remediation", () => {
  it("rolls back a failed upgrade to the last good release, retries, then stalls with counters", async () => {
    const good = await packageChart(env, work.path, "app", "1.0.0");
    await publishHelmChart(env, "app", good, "1.0.0");
    await createHelmRelease(env, "app", {
      chartRef: { kind: "HelmChart", name: "app" },
      upgrade: { remediation: { retries: 1 } },
    });
    await waitForHelmRelease(env, "app", "installed", isReadyNow);

    const bad = await packageChart(env, work.path, "app", "2.0.0", async (dir) => {
      await writeFile(join(dir, "templates", "hook.yaml"), FAILING_HOOK);
    });
    await publishHelmChart(env, "app", bad, "2.0.0");

    const hr = await waitForHelmRelease(
      env,
      "app",
      "stalled after retries",
      (o) => conditionOf(o, "Stalled")?.status === "True",
    );
    expect(conditionOf(hr, "Stalled")).toMatchObject({
      reason: "RetriesExceeded",
      message: "Failed to upgrade after 2 attempt(s)",
    });
    // Ready comes from Remediated, then Released (helm-controller's summarize), not from Stalled.
    expect(conditionOf(hr, "Ready")).toMatchObject({
      status: "False",
      reason: "RollbackSucceeded",
      message: "Helm rollback to previous release team/app.v3 with chart app@1.0.0 succeeded",
    });
    expect(conditionOf(hr, "Released")).toMatchObject({ status: "False", reason: "UpgradeFailed" });
    expect(conditionOf(hr, "Released")?.message).toMatch(
      /^Helm upgrade failed for release team\/app with chart app@2\.0\.0: .*Broken_Hook/,
    );
    expect(conditionOf(hr, "Remediated")).toMatchObject({ status: "True", reason: "RollbackSucceeded" });
    expect(hr.status).toMatchObject({ failures: 2, upgradeFailures: 2, lastAttemptedRevision: "2.0.0" });
    expect(hr.status?.installFailures ?? 0).toBe(0);

    // Helm's own history: install, failed upgrade, rollback, failed upgrade, rollback.
    const history = JSON.parse(await env.helm(["history", "app", "-n", NS, "-o", "json"])) as {
      revision: number;
      status: string;
      chart: string;
    }[];
    expect(history.map((h) => [h.revision, h.status, h.chart])).toEqual([
      [1, "superseded", "app-1.0.0"],
      [2, "failed", "app-2.0.0"],
      [3, "superseded", "app-1.0.0"],
      [4, "failed", "app-2.0.0"],
      [5, "deployed", "app-1.0.0"],
    ]);
    expect(hr.status?.history?.[0]).toMatchObject({ version: 5, status: "deployed", chartVersion: "1.0.0" });
    const events = env.sink.events.filter((e) => e.involvedObject.name === "app").map((e) => e.reason);
    expect(events).toEqual(expect.arrayContaining(["InstallSucceeded", "UpgradeFailed", "RollbackSucceeded"]));
  });

  it("detects a manual edit of a rendered Deployment as drift and corrects it", async () => {
    const chart = await packageChart(env, work.path, "web", "1.0.0");
    await publishHelmChart(env, "web", chart, "1.0.0");
    await createHelmRelease(env, "web", {
      chartRef: { kind: "HelmChart", name: "web" },
      driftDetection: { mode: "enabled" },
    });
    const installed = await waitForHelmRelease(env, "web", "installed", isReadyNow);
    expect(conditionOf(installed, "Drifted")).toMatchObject({ status: "False", reason: "NoDriftDetected" });

    const deployRef = { apiVersion: "apps/v1", kind: "Deployment", namespace: NS, name: "web" };
    await env.client.patch(
      deployRef,
      { spec: { replicas: 4 } },
      { type: "application/merge-patch+json", fieldManager: "kubectl-edit" },
    );
    await env.client.patch(
      helmReleaseRef(env, "web"),
      { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": "drift-1" } } },
      { type: "application/merge-patch+json" },
    );
    const hr = await waitForHelmRelease(
      env,
      "web",
      "drift corrected",
      (o) => o.status?.lastHandledReconcileAt === "drift-1",
    );
    expect(conditionOf(hr, "Drifted")).toMatchObject({
      status: "False",
      reason: "NoDriftDetected",
      message: "No drift detected against the cluster state",
    });
    await until(async () => {
      const d = await env.client.get(deployRef);
      return (d["spec"] as { replicas: number }).replicas === 1;
    }, "replicas restored to 1");
    expect(isReadyNow(hr)).toBe(true);
    const web = env.sink.events.filter((e) => e.involvedObject.name === "web");
    expect(web.find((e) => e.reason === "DriftDetected")?.message).toBe(
      "Cluster state of release team/web.v1 has drifted from the desired state:\nDeployment/team/web changed (0 additions, 1 changes, 0 removals)",
    );
    expect(web.find((e) => e.reason === "DriftCorrected")?.message).toBe(
      "Cluster state of release team/web.v1 has been corrected:\nDeployment/team/web configured",
    );
    void (hr satisfies HelmRelease);
  });
});
