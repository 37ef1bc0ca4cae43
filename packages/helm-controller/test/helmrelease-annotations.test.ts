// Annotation-driven behaviour with the real helm binary: `reconcile.fluxcd.io/forceAt` forces a release of an
// in-sync HelmRelease, `reconcile.fluxcd.io/resetAt` resets exhausted failure counters so retries start over,
// and drift detection in `warn` mode reports without correcting.

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
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
  waitForHelmRelease,
} from "./support/helm-env.js";

const NS = "annotated";
let work: Awaited<ReturnType<typeof tempDir>>;
let env: HelmEnv;

async function annotate(name: string, annotations: Record<string, string>): Promise<void> {
  await env.client.patch(
    helmReleaseRef(env, name),
    { metadata: { annotations } },
    { type: "application/merge-patch+json" },
  );
}

beforeAll(async () => {
  work = await tempDir("hc-annotations-");
  env = await startHelmEnv(work.path, NS);
  const chart = await packageChart(env, work.path, "app", "1.0.0");
  await publishHelmChart(env, "app", chart, "1.0.0");
}, 120_000);

afterAll(async () => {
  await env?.stop();
  await work?.remove();
});

describe("HelmRelease annotations and drift warnings", () => {
  it("forces an upgrade of an in-sync release with forceAt", async () => {
    await createHelmRelease(env, "forced", { chartRef: { kind: "HelmChart", name: "app" } });
    await waitForHelmRelease(env, "forced", "installed", isReadyNow);
    await annotate("forced", { "reconcile.fluxcd.io/requestedAt": "f1", "reconcile.fluxcd.io/forceAt": "f1" });
    const hr = await waitForHelmRelease(
      env,
      "forced",
      "forced upgrade",
      (o) => o.status?.lastHandledReconcileAt === "f1" && isReadyNow(o),
    );
    expect(hr.status?.lastHandledForceAt).toBe("f1");
    expect(hr.status?.history?.[0]).toMatchObject({ version: 2, action: "upgrade", status: "deployed" });
    expect(conditionOf(hr, "Released")?.reason).toBe("UpgradeSucceeded");
    expect(hr.status?.lastHandledReconcileAt).toBe("f1");
  });

  it("starts retries over after resetAt", async () => {
    const bad = await packageChart(env, work.path, "bad", "1.0.0", async (dir) => {
      await writeFile(
        join(dir, "templates", "bad.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_Valid\n",
      );
    });
    await publishHelmChart(env, "bad", bad, "1.0.0");
    await createHelmRelease(env, "reset", { chartRef: { kind: "HelmChart", name: "bad" } });
    const stalled = await waitForHelmRelease(
      env,
      "reset",
      "stalled",
      (o) => conditionOf(o, "Stalled")?.status === "True",
    );
    expect(stalled.status).toMatchObject({ failures: 1, installFailures: 1 });
    expect(conditionOf(stalled, "Remediated")).toBeUndefined();

    await annotate("reset", { "reconcile.fluxcd.io/requestedAt": "r1", "reconcile.fluxcd.io/resetAt": "r1" });
    const retried = await waitForHelmRelease(
      env,
      "reset",
      "retried after reset",
      (o) => o.status?.lastHandledResetAt === "r1" && conditionOf(o, "Stalled")?.status === "True",
    );
    // As helm-controller does: with the counters reset, the failed release is upgraded (not remediated) once
    // more; that upgrade fails too and, with no upgrade retries, stalls.
    expect(conditionOf(retried, "Stalled")).toMatchObject({
      reason: "RetriesExceeded",
      message: "Failed to upgrade after 1 attempt(s)",
    });
    expect(conditionOf(retried, "Remediated")).toBeUndefined();
    expect(retried.status).toMatchObject({ failures: 1, installFailures: 0, upgradeFailures: 1 });
    expect(conditionOf(retried, "Ready")).toMatchObject({ status: "False", reason: "UpgradeFailed" });
    expect(conditionOf(retried, "Ready")?.message).toMatch(
      new RegExp(`^Helm upgrade failed for release ${NS}/reset with chart bad@1\\.0\\.0: .*Not_Valid`),
    );
    const reasons = env.sink.events.filter((e) => e.involvedObject.name === "reset").map((e) => e.reason);
    expect(reasons.filter((r) => r === "InstallFailed")).toHaveLength(1);
    expect(reasons.filter((r) => r === "UpgradeFailed")).toHaveLength(1);
  });

  it("reports drift without correcting it in warn mode", async () => {
    await createHelmRelease(env, "watched", {
      chartRef: { kind: "HelmChart", name: "app" },
      driftDetection: { mode: "warn" },
    });
    await waitForHelmRelease(env, "watched", "installed", isReadyNow);
    const ref = { apiVersion: "apps/v1", kind: "Deployment", namespace: NS, name: "watched-app" };
    await env.client.patch(
      ref,
      { spec: { replicas: 3 } },
      { type: "application/merge-patch+json", fieldManager: "edit" },
    );
    await annotate("watched", { "reconcile.fluxcd.io/requestedAt": "w1" });
    const hr = await waitForHelmRelease(
      env,
      "watched",
      "drift reported",
      (o) => o.status?.lastHandledReconcileAt === "w1",
    );
    expect(conditionOf(hr, "Drifted")).toMatchObject({ status: "True", reason: "DriftDetected" });
    expect(conditionOf(hr, "Drifted")?.message).toBe(
      `Cluster state of release ${NS}/watched.v1 has drifted from the desired state:\nDeployment/${NS}/watched-app changed (0 additions, 1 changes, 0 removals)`,
    );
    const warning = env.sink.events.find((e) => e.involvedObject.name === "watched" && e.reason === "DriftDetected");
    expect(warning).toMatchObject({ severity: "error", message: conditionOf(hr, "Drifted")?.message });
    expect(isReadyNow(hr)).toBe(true);
    const deploy = await env.client.get(ref);
    expect((deploy["spec"] as { replicas: number }).replicas).toBe(3);
  });
});
