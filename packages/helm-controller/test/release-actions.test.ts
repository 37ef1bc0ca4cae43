// Each release action on its own, through the real helm engine against the embedded API server: what it
// does in Helm's storage and the cluster, and the conditions, history, counters and events it records on
// the HelmRelease (held in memory here; the atomic release and the reconciler are tested elsewhere).

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { HelmRelease } from "@sluice/api";
import { encodeRelease, listReleaseVersions } from "@sluice/helm-storage";
import { EventRecorder, resolveTool } from "@sluice/runtime";
import { tempDir } from "@sluice/testkit";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HelmCliEngine } from "../src/engine/helm-cli-engine.js";
import type { ReleaseTarget } from "../src/engine/release-engine.js";
import { HelmRunner, kubeConfigText } from "../src/internal/helm/index.js";
import { valuesDigest } from "../src/internal/values/index.js";
import { ResourceManagerClusterState } from "../src/release/cluster-state.js";
import { correctClusterDrift } from "../src/release/correct-cluster-drift.js";
import { install } from "../src/release/install.js";
import type { ActionContext, ReleaseRequest } from "../src/release/request.js";
import { rollbackRemediation } from "../src/release/rollback-remediation.js";
import { test as testAction } from "../src/release/test.js";
import { uninstall, uninstallRemediation } from "../src/release/uninstall.js";
import { unlock } from "../src/release/unlock.js";
import { upgrade } from "../src/release/upgrade.js";
import { type HelmEnv, packageChart, startHelmEnv, until } from "./support/helm-env.js";

const NS = "actions";
let work: Awaited<ReturnType<typeof tempDir>>;
let env: HelmEnv;
let helm: HelmRunner;
let engine: HelmCliEngine;
let events: EventRecorder;

/** A chart made with `helm create` (optionally edited), extracted for the engine. */
async function chart(name: string, version: string, edit?: (dir: string) => Promise<void>) {
  await packageChart(env, work.path, name, version, edit);
  return { dir: join(work.path, "work", `${name}-${version}`, name), name, version };
}

function hr(name: string, spec: Partial<HelmRelease["spec"]> = {}): HelmRelease {
  return {
    apiVersion: "helm.toolkit.fluxcd.io/v2",
    kind: "HelmRelease",
    metadata: { name, namespace: NS, generation: 1 },
    spec: { interval: "10m", chartRef: { kind: "HelmChart", name }, ...spec },
    status: {},
  };
}

function target(name: string): ReleaseTarget {
  return { name, namespace: NS, storageNamespace: NS, kubeconfig: kubeConfigText(env.kubeConfig) };
}

function context(name: string): ActionContext {
  return {
    engine,
    target: target(name),
    cluster: new ResourceManagerClusterState(env.client),
    events,
    log: pino({ level: "silent" }),
    defaultToRetryOnFailure: false,
  };
}

function request(obj: HelmRelease, c: Awaited<ReturnType<typeof chart>>, values: Record<string, unknown> = {}) {
  return { object: obj, chart: c, values, configDigest: valuesDigest(values) } satisfies ReleaseRequest;
}

function condition(obj: HelmRelease, type: string) {
  const c = obj.status?.conditions?.find((x) => x.type === type);
  return c && { status: c.status, reason: c.reason, message: c.message };
}

async function eventFor(name: string, reason: string) {
  let found: (typeof env.sink.events)[number] | undefined;
  await until(async () => {
    found = env.sink.events.find((e) => e.involvedObject.name === name && e.reason === reason);
    return found !== undefined;
  }, `${reason} event for ${name}`);
  return found as (typeof env.sink.events)[number];
}

/** A ConfigMap the API server refuses (not a DNS-1123 name), as a template or a hook. */
const refused = (hook?: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_Valid\n${hook ? `  annotations:\n    "helm.sh/hook": ${hook}\n` : ""}data:\n  a: b\n`;

beforeAll(async () => {
  work = await tempDir("hc-actions-");
  env = await startHelmEnv(work.path, NS);
  helm = new HelmRunner({ helmPath: resolveTool("helm").path });
  engine = new HelmCliEngine({ client: env.client, helm, kubectlPath: resolveTool("kubectl").path, postRender: false });
  events = new EventRecorder({
    reportingController: "helm-controller",
    group: "helm.toolkit.fluxcd.io",
    client: env.client,
    eventsAddr: env.sink.url,
  });
}, 120_000);

afterAll(async () => {
  await helm?.close();
  await env?.stop();
  await work?.remove();
});

describe("install", () => {
  it("installs, records the release, Released=True and the event with the chart version and config digest", async () => {
    const c = await chart("web", "1.0.0");
    const obj = hr("web", { test: { enable: true } });
    await install.reconcile(context("web"), request(obj, c, { replicaCount: 1 }));
    const message = `Helm install succeeded for release ${NS}/web.v1 with chart web@1.0.0`;
    expect(condition(obj, "Released")).toEqual({ status: "True", reason: "InstallSucceeded", message });
    expect(condition(obj, "TestSuccess")).toEqual({
      status: "Unknown",
      reason: "AwaitingTests",
      message: `Helm release ${NS}/web.v1 with chart web@1.0.0 is awaiting tests`,
    });
    expect(condition(obj, "Ready")).toEqual({
      status: "Unknown",
      reason: "AwaitingTests",
      message: condition(obj, "TestSuccess")?.message,
    });
    expect(obj.status).toMatchObject({
      lastAttemptedReleaseAction: "install",
      history: [{ version: 1, action: "install", status: "deployed" }],
    });
    expect(obj.status?.inventory?.entries.map((e) => e.id)).toContain(`${NS}_web_apps_Deployment`);
    expect(await eventFor("web", "InstallSucceeded")).toMatchObject({
      severity: "info",
      message,
      metadata: {
        "helm.toolkit.fluxcd.io/revision": "1.0.0",
        "helm.toolkit.fluxcd.io/token": valuesDigest({ replicaCount: 1 }),
      },
    });
  });

  it("counts a failed install that Helm recorded against the install remediation", async () => {
    const c = await chart("bad", "1.0.0", (dir) => writeFile(join(dir, "templates", "bad.yaml"), refused()));
    const obj = hr("bad");
    await install.reconcile(context("bad"), request(obj, c));
    expect(condition(obj, "Released")).toMatchObject({ status: "False", reason: "InstallFailed" });
    expect(condition(obj, "Released")?.message).toMatch(
      new RegExp(`^Helm install failed for release ${NS}/bad with chart bad@1\\.0\\.0: .*Not_Valid`),
    );
    expect(condition(obj, "Ready")).toEqual(condition(obj, "Released"));
    expect(obj.status).toMatchObject({ failures: 1, installFailures: 1, history: [{ version: 1, status: "failed" }] });
    expect((await eventFor("bad", "InstallFailed")).severity).toBe("error");
  });

  it("rejects when Helm recorded nothing (the chart does not render), without counting an install failure", async () => {
    const c = await chart("norender", "1.0.0", (dir) =>
      writeFile(join(dir, "templates", "fail.yaml"), '{{ fail "no way" }}'),
    );
    const obj = hr("norender");
    await expect(install.reconcile(context("norender"), request(obj, c))).rejects.toThrow(/no way/);
    expect(obj.status).toMatchObject({ failures: 1 });
    expect(obj.status?.installFailures ?? 0).toBe(0);
    expect(condition(obj, "Released")?.message).toMatch(/^Helm install failed for release actions\/norender .*no way/);
  });
});

describe("upgrade, test and rollback remediation", () => {
  const obj = hr("site", { test: { enable: true } });

  it("upgrades, refreshing the superseded release in the history", async () => {
    await install.reconcile(context("site"), request(obj, await chart("site", "1.0.0")));
    const c = await chart("site", "1.1.0");
    await upgrade.reconcile(context("site"), request(obj, c));
    expect(condition(obj, "Released")).toEqual({
      status: "True",
      reason: "UpgradeSucceeded",
      message: `Helm upgrade succeeded for release ${NS}/site.v2 with chart site@1.1.0`,
    });
    expect(obj.status?.history?.map((s) => [s.version, s.status, s.action])).toEqual([
      [2, "deployed", "upgrade"],
      [1, "superseded", "install"],
    ]);
    expect(obj.status?.lastAttemptedReleaseAction).toBe("upgrade");
  });

  it("tests the release, recording its hooks on the history entry", async () => {
    await testAction.reconcile(context("site"), request(obj, { dir: "", name: "site", version: "1.1.0" }));
    expect(condition(obj, "TestSuccess")).toEqual({
      status: "True",
      reason: "TestSucceeded",
      message: `Helm test succeeded for release ${NS}/site.v2 with chart site@1.1.0: 1 test hook completed successfully`,
    });
    expect(obj.status?.history?.[0]?.testHooks).toEqual({
      "site-test-connection": expect.objectContaining({ phase: "Succeeded" }),
    });
    expect(condition(obj, "Ready")).toEqual(condition(obj, "TestSuccess"));
  });

  it("records failed tests and counts them against the active remediation", async () => {
    const c = await chart("tfail", "1.0.0", (dir) =>
      writeFile(join(dir, "templates", "tests", "refused.yaml"), refused("test")),
    );
    const t = hr("tfail", { test: { enable: true } });
    await install.reconcile(context("tfail"), request(t, c));
    const outcome = await testAction.reconcile(context("tfail"), request(t, c)).then(
      () => "recorded",
      (err: Error) => err.message,
    );
    expect(condition(t, "TestSuccess")).toMatchObject({ status: "False", reason: "TestFailed" });
    expect(condition(t, "TestSuccess")?.message).toMatch(
      new RegExp(`^Helm test failed for release ${NS}/tfail\\.v1 with chart tfail@1\\.0\\.0: .*Not_Valid`),
    );
    expect(condition(t, "Ready")).toEqual(condition(t, "TestSuccess"));
    expect(t.status?.failures).toBe(1);
    // Helm recorded the failed hook (the others never ran), so the failure counts for the install.
    expect(outcome).toBe("recorded");
    expect(t.status?.history?.[0]?.testHooks).toEqual({
      Not_Valid: expect.objectContaining({ phase: "Failed" }),
      "tfail-test-connection": {},
    });
    expect(t.status?.installFailures).toBe(1);
    expect((await eventFor("tfail", "TestFailed")).severity).toBe("error");
  });

  it("records a failed upgrade, then rolls back to the previous release", async () => {
    const c = await chart("site", "2.0.0", (dir) =>
      writeFile(join(dir, "templates", "hook.yaml"), refused("pre-upgrade")),
    );
    await upgrade.reconcile(context("site"), request(obj, c));
    expect(condition(obj, "Released")).toMatchObject({ status: "False", reason: "UpgradeFailed" });
    expect(condition(obj, "Released")?.message).toMatch(
      /^Helm upgrade failed for release actions\/site with chart site@2\.0\.0: .*Not_Valid/,
    );
    expect(obj.status).toMatchObject({
      upgradeFailures: 1,
      history: [{ version: 3, status: "failed" }, { version: 2 }, { version: 1 }],
    });
    expect(condition(obj, "TestSuccess")).toBeUndefined();

    await rollbackRemediation.reconcile(context("site"), request(obj, c));
    const message = `Helm rollback to previous release ${NS}/site.v2 with chart site@1.1.0 succeeded`;
    expect(condition(obj, "Remediated")).toEqual({ status: "True", reason: "RollbackSucceeded", message });
    expect(condition(obj, "Ready")).toEqual({ status: "False", reason: "RollbackSucceeded", message });
    expect(obj.status?.history?.slice(0, 2).map((s) => [s.version, s.status, s.action])).toEqual([
      [4, "deployed", "rollback"],
      [3, "failed", "upgrade"],
    ]);
    const stored = await listReleaseVersions(env.client, NS, "site");
    expect(stored[0]).toMatchObject({
      version: 4,
      info: { status: "deployed" },
      chart: { metadata: { version: "1.1.0" } },
    });
    expect((await eventFor("site", "RollbackSucceeded")).metadata).toMatchObject({
      "helm.toolkit.fluxcd.io/revision": "1.1.0",
    });
  });
});

describe("unlock, uninstall remediation and uninstall", () => {
  it("unlocks a release left pending", async () => {
    const c = await chart("locked", "1.0.0");
    const obj = hr("locked");
    await install.reconcile(context("locked"), request(obj, c));
    const [rls] = await listReleaseVersions(env.client, NS, "locked");
    if (!rls) throw new Error("no release");
    // Leave it pending-upgrade, as a helm process killed mid-upgrade does.
    const pending = JSON.parse(rls.raw);
    pending.info.status = "pending-upgrade";
    await env.client.patch(
      { apiVersion: "v1", kind: "Secret", namespace: NS, name: "sh.helm.release.v1.locked.v1" },
      { data: { release: Buffer.from(encodeRelease(JSON.stringify(pending))).toString("base64") } },
      { type: "application/merge-patch+json" },
    );
    await unlock.reconcile(context("locked"), request(obj, c));
    expect(condition(obj, "Released")).toEqual({
      status: "False",
      reason: "PendingRelease",
      message: `Unlocked Helm release ${NS}/locked.v1 with chart locked@1.0.0 in pending-upgrade state`,
    });
    expect((await listReleaseVersions(env.client, NS, "locked"))[0]?.info).toMatchObject({
      status: "failed",
      description: "Release unlocked from stale 'pending-upgrade' state",
    });
  });

  it("uninstalls a failed release to remediate it", async () => {
    const obj = hr("broken");
    const c = await chart("broken", "1.0.0", (dir) => writeFile(join(dir, "templates", "bad.yaml"), refused()));
    await install.reconcile(context("broken"), request(obj, c));
    await uninstallRemediation.reconcile(context("broken"), request(obj, c));
    expect(condition(obj, "Remediated")).toEqual({
      status: "True",
      reason: "UninstallSucceeded",
      message: `Helm uninstall remediation for release ${NS}/broken.v1 with chart broken@1.0.0 succeeded`,
    });
    expect(obj.status?.history?.[0]).toMatchObject({
      version: 1,
      status: "uninstalled",
      action: "uninstall-remediation",
    });
    expect(await listReleaseVersions(env.client, NS, "broken")).toEqual([]);
  });

  it("uninstalls a release, and finds an already uninstalled one gone", async () => {
    const c = await chart("gone", "1.0.0");
    const obj = hr("gone");
    await install.reconcile(context("gone"), request(obj, c));
    await uninstall.reconcile(context("gone"), request(obj, c));
    expect(condition(obj, "Released")).toEqual({
      status: "False",
      reason: "UninstallSucceeded",
      message: `Helm uninstall succeeded for release ${NS}/gone.v1 with chart gone@1.0.0`,
    });
    expect(obj.status?.inventory).toBeUndefined();
    expect(
      await env.client.getOptional({ apiVersion: "apps/v1", kind: "Deployment", namespace: NS, name: "gone" }),
    ).toBeUndefined();
    await uninstall.reconcile(context("gone"), request(obj, c));
    expect(condition(obj, "Released")?.message).toBe(`Release ${NS}/gone.v1 was not found, assuming it is uninstalled`);
  });
});

describe("drift correction", () => {
  it("applies the drifted objects again and reports what it did", async () => {
    const c = await chart("drifty", "1.0.0");
    const obj = hr("drifty", { driftDetection: { mode: "enabled" } });
    await install.reconcile(context("drifty"), request(obj, c));
    const ref = { apiVersion: "apps/v1", kind: "Deployment", namespace: NS, name: "drifty" };
    await env.client.patch(
      ref,
      { spec: { replicas: 5 } },
      { type: "application/merge-patch+json", fieldManager: "kubectl-edit" },
    );
    const [rls] = await listReleaseVersions(env.client, NS, "drifty");
    const diff = await context("drifty").cluster.diff(obj, rls as never);
    expect(diff.map((d) => [d.type, d.subject, d.patch])).toEqual([
      ["update", `Deployment/${NS}/drifty`, { additions: 0, changes: 1, removals: 0 }],
    ]);
    await correctClusterDrift(diff).reconcile(context("drifty"), request(obj, c));
    expect(condition(obj, "Ready")).toEqual({
      status: "Unknown",
      reason: "Progressing",
      message: "correcting cluster drift",
    });
    expect((await eventFor("drifty", "DriftCorrected")).message).toBe(
      `Cluster state of release ${NS}/drifty.v1 has been corrected:\nDeployment/${NS}/drifty configured`,
    );
    const d = await env.client.get(ref);
    expect((d["spec"] as { replicas: number }).replicas).toBe(1);
    expect(await context("drifty").cluster.diff(obj, rls as never)).toEqual([]);
  });
});
