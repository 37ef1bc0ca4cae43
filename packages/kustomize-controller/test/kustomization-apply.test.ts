import type { UnstructuredObject } from "@sluice/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { overlayRepo } from "./overlays.js";
import {
  appliedRevision,
  commitAndPush,
  conditionOf,
  createGitRepository,
  createKustomization,
  type KustomizeEnv,
  requestReconcile,
  startKustomizeEnv,
  waitForKustomization,
  waitForObject,
} from "./support/env.js";

const NS = "apps";

describe("Kustomization: base + overlays from Git", () => {
  let env: KustomizeEnv;
  let sha: string;

  beforeAll(async () => {
    env = await startKustomizeEnv(NS);
    sha = await commitAndPush(env, overlayRepo());
    await createGitRepository(env);
    await createKustomization(env, "production", {
      path: "./apps/production",
      targetNamespace: NS,
      wait: true,
      timeout: "1m",
    });
  }, 120_000);
  afterAll(async () => env?.stop(), 30_000);

  const deployment = { apiVersion: "apps/v1", kind: "Deployment", namespace: NS, name: "web" };

  it("applies the production overlay with owner labels, inventory and Flux's status", async () => {
    const k = await waitForKustomization(env, "production", appliedRevision(sha), "production applied");
    expect(conditionOf(k, "Ready")).toMatchObject({
      reason: "ReconciliationSucceeded",
      message: `Applied revision: master@sha1:${sha}`,
    });
    expect(conditionOf(k, "Healthy")).toMatchObject({ status: "True", reason: "Succeeded" });
    expect(conditionOf(k, "Reconciling")).toBeUndefined();
    expect(k.status?.lastAttemptedRevision).toBe(`master@sha1:${sha}`);
    expect(k.status?.inventory?.entries).toEqual(
      expect.arrayContaining([
        { id: `${NS}_web_apps_Deployment`, v: "v1" },
        { id: `${NS}_web__Service`, v: "v1" },
        { id: `${NS}_web-config__ConfigMap`, v: "v1" },
        { id: `${NS}_web_autoscaling_HorizontalPodAutoscaler`, v: "v2" },
      ]),
    );
    expect(k.status?.inventory?.entries).toHaveLength(4);
    expect(k.status?.history?.[0]).toMatchObject({
      lastReconciledStatus: "ReconciliationSucceeded",
      totalReconciliations: 1,
      metadata: { revision: `master@sha1:${sha}` },
    });
    expect(k.status?.history?.[0]?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    const dep = await env.client.get<UnstructuredObject>(deployment);
    const spec = dep["spec"] as { replicas: number; template: { spec: { containers: { image: string }[] } } };
    expect(spec.replicas).toBe(3);
    expect(spec.template.spec.containers[0]?.image).toBe("nginx:1.27");
    expect(dep.metadata.labels).toMatchObject({
      "kustomize.toolkit.fluxcd.io/name": "production",
      "kustomize.toolkit.fluxcd.io/namespace": NS,
    });
    const managers = ((dep.metadata.managedFields ?? []) as { manager?: string }[]).map((m) => m.manager);
    expect(managers).toContain("kustomize-controller");
    const cm = await env.client.get<UnstructuredObject>({
      apiVersion: "v1",
      kind: "ConfigMap",
      namespace: NS,
      name: "web-config",
    });
    expect(cm["data"]).toEqual({ LOG_LEVEL: "warn" });

    const applied = env.sink.events.find(
      (e) => e.involvedObject.name === "production" && e.message.includes("Deployment/apps/web created"),
    );
    expect(applied?.metadata?.["kustomize.toolkit.fluxcd.io/revision"]).toBe(`master@sha1:${sha}`);
    expect(applied?.message).toContain("Service/apps/web created");
  });

  it("reverts a manual edit of the Deployment on the next reconcile", async () => {
    await env.client.patch(
      deployment,
      { spec: { replicas: 7 } },
      { type: "application/merge-patch+json", fieldManager: "kubectl-edit" },
    );
    expect(((await env.client.get<UnstructuredObject>(deployment))["spec"] as { replicas: number }).replicas).toBe(7);
    const at = await requestReconcile(env, "production");
    await waitForKustomization(env, "production", (k) => k.status?.lastHandledReconcileAt === at, "reconcile handled");
    const dep = await env.client.get<UnstructuredObject>(deployment);
    expect((dep["spec"] as { replicas: number }).replicas).toBe(3);
    const drift = env.sink.events.find(
      (e) => e.involvedObject.name === "production" && e.message === "Deployment/apps/web configured",
    );
    expect(drift).toBeDefined();
  });

  it("a no-op reconcile writes nothing to the applied objects (only dry-runs)", async () => {
    const from = env.cluster.server.auditEvents().length;
    const at = await requestReconcile(env, "production");
    await waitForKustomization(env, "production", (k) => k.status?.lastHandledReconcileAt === at, "reconcile handled");
    const writes = env.cluster.server
      .auditEvents()
      .slice(from)
      .filter((e) => ["POST", "PUT", "PATCH", "DELETE"].includes(e.verb))
      .filter((e) =>
        new RegExp(`/namespaces/${NS}/(deployments|services|configmaps|horizontalpodautoscalers)/`).test(e.path),
      )
      .filter((e) => !e.path.includes("dryRun=All"));
    expect(writes).toEqual([]);
  });

  it("prunes an object whose file was deleted from Git", async () => {
    const head = await commitAndPush(
      env,
      { "apps/base/kustomization.yaml": overlayRepo()["apps/base/kustomization.yaml"]!.replace("  - hpa.yaml\n", "") },
      "drop hpa",
      ["apps/base/hpa.yaml"],
    );
    await waitForObject(
      env,
      { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", namespace: NS, name: "web" },
      (o) => o === undefined,
      "HPA pruned",
    );
    const k = await waitForKustomization(env, "production", appliedRevision(head), "new revision applied");
    expect(k.status?.inventory?.entries.map((e) => e.id)).not.toContain(
      `${NS}_web_autoscaling_HorizontalPodAutoscaler`,
    );
    expect(k.status?.inventory?.entries).toHaveLength(3);
    const pruned = env.sink.events.find(
      (e) => e.involvedObject.name === "production" && e.message.includes("HorizontalPodAutoscaler/apps/web deleted"),
    );
    expect(pruned).toBeDefined();
  }, 90_000);
});
