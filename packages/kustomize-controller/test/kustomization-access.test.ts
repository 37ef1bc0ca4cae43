// Source and dependency waiting, multi-tenancy (cross-namespace refs, impersonation), remote clusters
// (spec.kubeConfig), spec.force, drift-ignore rules and the per-object SSA annotations.

import type { UnstructuredObject } from "@sluice/runtime";
import { type ApiCluster, ensureNamespace, startApiCluster } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  appliedRevision,
  commitAndPush,
  conditionOf,
  createGitRepository,
  createKustomization,
  type KustomizeEnv,
  patchKustomization,
  requestReconcile,
  startKustomizeEnv,
  waitForKustomization,
} from "./support/env.js";

const NS = "tenant";

const cm = (name: string, data: Record<string, string>, meta = "") => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
${meta}data:
${Object.entries(data)
  .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`)
  .join("\n")}
`;

/** Creates ServiceAccount `name` in NS bound (RoleBinding in NS) to `role`. */
async function grantServiceAccount(env: KustomizeEnv, name: string, role: { kind: string; name: string }) {
  await env.client.create({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace: NS } });
  await env.client.create({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: `${name}-binding`, namespace: NS },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", ...role },
    subjects: [{ kind: "ServiceAccount", name, namespace: NS }],
  });
}

describe("Kustomization access, remote clusters and apply policies", () => {
  let env: KustomizeEnv;
  let remote: ApiCluster;
  const head = () => env.repo.git(["rev-parse", "HEAD"]);

  beforeAll(async () => {
    env = await startKustomizeEnv(NS, { noCrossNamespaceRefs: true, noRemoteBases: true });
    remote = await startApiCluster();
    await ensureNamespace(remote.client, NS);
    await commitAndPush(env, {
      "plain/config.yaml": cm("plain", { a: "1" }),
      "dep/config.yaml": cm("dep", { v: "1" }),
      "main/config.yaml": cm("main", { v: "1" }),
      "remote/config.yaml": cm("remote", { where: "remote" }),
      "immutable/config.yaml": cm("frozen", { v: "1" }, "").replace("\ndata:", "\nimmutable: true\ndata:"),
      "drift/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: scaled
spec:
  replicas: 1
  selector:
    matchLabels:
      app: scaled
  template:
    metadata:
      labels:
        app: scaled
    spec:
      containers:
        - name: app
          image: nginx:1.25
`,
      "remote-base/kustomization.yaml":
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - https://github.com/stefanprodan/podinfo//kustomize?ref=6.5.0\n",
      "stuck/config.yaml": cm("stuck", { state: "closed" }),
      "slow/config.yaml": cm("gate", { state: "waiting" }),
      "policies/if-not-present.yaml": cm(
        "seed",
        { v: "git" },
        "  annotations:\n    kustomize.toolkit.fluxcd.io/ssa: IfNotPresent\n",
      ),
      "policies/reconcile-disabled.yaml": cm(
        "hands-off",
        { v: "git" },
        "  annotations:\n    kustomize.toolkit.fluxcd.io/reconcile: disabled\n",
      ),
    });
  }, 120_000);
  afterAll(async () => {
    await env?.stop();
    await remote?.stop();
  }, 30_000);

  it("waits with ArtifactFailed while the source does not exist, then applies once it has an artifact", async () => {
    await createKustomization(env, "plain", { path: "./plain", targetNamespace: NS });
    const waiting = await waitForKustomization(
      env,
      "plain",
      (o) => conditionOf(o, "Ready")?.reason === "ArtifactFailed",
      "source missing",
    );
    expect(conditionOf(waiting, "Ready")?.message).toBe('gitrepositories.source.toolkit.fluxcd.io "app" not found');
    await createGitRepository(env);
    // The source watch triggers the Kustomization as soon as the artifact is there (interval is 10m).
    await waitForKustomization(env, "plain", appliedRevision(await head()), "applied after the source appeared");
  }, 90_000);

  it("--no-cross-namespace-refs: a sourceRef to another namespace stalls with AccessDenied", async () => {
    await createKustomization(env, "cross", {
      path: "./plain",
      sourceRef: { kind: "GitRepository", name: "app", namespace: "flux-system" },
    });
    const k = await waitForKustomization(env, "cross", (o) => conditionOf(o, "Stalled")?.status === "True", "stalled");
    expect(conditionOf(k, "Ready")?.reason).toBe("AccessDenied");
    expect(conditionOf(k, "Ready")?.message).toBe(
      "can't access 'GitRepository/flux-system/app', cross-namespace references have been blocked",
    );
  });

  it("--no-remote-bases: a kustomization referencing a remote base fails the build", async () => {
    await createKustomization(env, "remote-base", { path: "./remote-base" });
    const k = await waitForKustomization(
      env,
      "remote-base",
      (o) => conditionOf(o, "Ready")?.reason === "BuildFailed",
      "build failed",
    );
    expect(conditionOf(k, "Ready")?.message).toContain("remote bases are not allowed (--no-remote-bases)");
    expect(conditionOf(k, "Ready")?.message).toContain("https://github.com/stefanprodan/podinfo//kustomize?ref=6.5.0");
  });

  it("dependsOn: a dependency of the same source must have applied the same revision", async () => {
    await createKustomization(env, "dep", { path: "./dep", targetNamespace: NS });
    await waitForKustomization(env, "dep", appliedRevision(await head()), "dep applied");
    await patchKustomization(env, "dep", { suspend: true });
    const next = await commitAndPush(env, { "dep/config.yaml": cm("dep", { v: "2" }) });
    await waitForKustomization(env, "plain", appliedRevision(next), "source at the new revision");
    await createKustomization(env, "main", { path: "./main", targetNamespace: NS, dependsOn: [{ name: "dep" }] });
    const k = await waitForKustomization(
      env,
      "main",
      (o) => conditionOf(o, "Ready")?.reason === "DependencyNotReady",
      "dependency behind",
    );
    expect(conditionOf(k, "Ready")?.message).toBe(`dependency '${NS}/dep' revision is not up to date`);
    await patchKustomization(env, "dep", { suspend: false });
    await waitForKustomization(env, "main", appliedRevision(next), "applied once dep caught up");
  }, 90_000);

  it("serviceAccountName: applies impersonating system:serviceaccount:<namespace>:<name>", async () => {
    // The API server enforces RBAC: the ServiceAccount needs a binding, as on a real cluster.
    await grantServiceAccount(env, "deployer", { kind: "ClusterRole", name: "edit" });
    await patchKustomization(env, "plain", { serviceAccountName: "deployer" });
    const k = await waitForKustomization(
      env,
      "plain",
      (o) => o.status?.observedGeneration === 2 && conditionOf(o, "Ready")?.status === "True",
      "reconciled",
    );
    expect(k.status?.lastAppliedRevision).toBeDefined();
    const audit = env.cluster.server.auditEvents();
    const impersonated = audit.filter((e) => e.user === `system:serviceaccount:${NS}:deployer`);
    expect(impersonated.length).toBeGreaterThan(0);
    expect(impersonated.every((e) => e.impersonatedBy !== undefined)).toBe(true);
    expect(impersonated.some((e) => e.path.includes("/configmaps/plain"))).toBe(true);
  });

  it("kubeConfig: applies to the remote cluster from the Secret's kubeconfig", async () => {
    await env.client.create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { namespace: NS, name: "remote-kubeconfig" },
      data: { value: Buffer.from(remote.kubeConfig.exportConfig()).toString("base64") },
    });
    await createKustomization(env, "remote", {
      path: "./remote",
      targetNamespace: NS,
      kubeConfig: { secretRef: { name: "remote-kubeconfig" } },
    });
    await waitForKustomization(env, "remote", appliedRevision(await head()), "applied remotely");
    const there = await remote.client.get<UnstructuredObject>({
      apiVersion: "v1",
      kind: "ConfigMap",
      namespace: NS,
      name: "remote",
    });
    expect(there["data"]).toEqual({ where: "remote" });
    expect(
      await env.client.getOptional({ apiVersion: "v1", kind: "ConfigMap", namespace: NS, name: "remote" }),
    ).toBeUndefined();
  });

  it("spec.force recreates an object whose immutable field changed; without it the apply fails", async () => {
    await createKustomization(env, "immutable", { path: "./immutable", targetNamespace: NS });
    await waitForKustomization(env, "immutable", appliedRevision(await head()), "applied");
    const changed = await commitAndPush(env, {
      "immutable/config.yaml": cm("frozen", { v: "2" }).replace("\ndata:", "\nimmutable: true\ndata:"),
    });
    const failed = await waitForKustomization(
      env,
      "immutable",
      (o) => conditionOf(o, "Ready")?.status === "False" && (o.status?.lastAttemptedRevision ?? "").endsWith(changed),
      "immutable change refused",
    );
    expect(conditionOf(failed, "Ready")?.reason).toBe("ReconciliationFailed");
    expect(conditionOf(failed, "Ready")?.message).toContain(`ConfigMap/${NS}/frozen`);
    const before = await env.client.get<UnstructuredObject>({
      apiVersion: "v1",
      kind: "ConfigMap",
      namespace: NS,
      name: "frozen",
    });
    await patchKustomization(env, "immutable", { force: true });
    await waitForKustomization(env, "immutable", appliedRevision(changed), "forced");
    const after = await env.client.get<UnstructuredObject>({
      apiVersion: "v1",
      kind: "ConfigMap",
      namespace: NS,
      name: "frozen",
    });
    expect(after["data"]).toEqual({ v: "2" });
    expect(after.metadata.uid).not.toBe(before.metadata.uid);
  }, 90_000);

  it("ignore rules exempt fields from drift correction", async () => {
    await createKustomization(env, "drift", {
      path: "./drift",
      targetNamespace: NS,
      ignore: [{ paths: ["/spec/replicas"], target: { kind: "Deployment" } }],
    });
    await waitForKustomization(env, "drift", appliedRevision(await head()), "applied");
    const ref = { apiVersion: "apps/v1", kind: "Deployment", namespace: NS, name: "scaled" };
    await env.client.patch(
      ref,
      { spec: { replicas: 4 } },
      { type: "application/merge-patch+json", fieldManager: "hpa" },
    );
    const at = await requestReconcile(env, "drift");
    await waitForKustomization(env, "drift", (o) => o.status?.lastHandledReconcileAt === at, "handled");
    const dep = await env.client.get<UnstructuredObject>(ref);
    expect((dep["spec"] as { replicas: number }).replicas).toBe(4);
  });

  it("ssa: IfNotPresent and reconcile: disabled leave edited objects alone", async () => {
    // reconcile: disabled objects are never written by the controller, not even created.
    await env.client.create({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { namespace: NS, name: "hands-off" },
      data: { v: "manual" },
    });
    await createKustomization(env, "policies", { path: "./policies", targetNamespace: NS });
    await waitForKustomization(env, "policies", appliedRevision(await head()), "applied");
    const handsOff = await env.client.get<UnstructuredObject>({
      apiVersion: "v1",
      kind: "ConfigMap",
      namespace: NS,
      name: "hands-off",
    });
    expect(handsOff["data"]).toEqual({ v: "manual" });
    for (const name of ["seed", "hands-off"]) {
      await env.client.patch(
        { apiVersion: "v1", kind: "ConfigMap", namespace: NS, name },
        { data: { v: "edited" } },
        { type: "application/merge-patch+json", fieldManager: "operator" },
      );
    }
    const at = await requestReconcile(env, "policies");
    await waitForKustomization(env, "policies", (o) => o.status?.lastHandledReconcileAt === at, "handled");
    for (const name of ["seed", "hands-off"]) {
      const obj = await env.client.get<UnstructuredObject>({
        apiVersion: "v1",
        kind: "ConfigMap",
        namespace: NS,
        name,
      });
      expect(obj["data"]).toEqual({ v: "edited" });
    }
  });

  it("a new source revision cancels a running health check (HealthCheckCanceled) and applies at once", async () => {
    await createKustomization(env, "slow", {
      path: "./slow",
      targetNamespace: NS,
      wait: true,
      timeout: "10m",
      healthCheckExprs: [{ apiVersion: "v1", kind: "ConfigMap", current: "self.data.state == 'open'" }],
    });
    await waitForKustomization(
      env,
      "slow",
      (o) => conditionOf(o, "Healthy")?.reason === "Progressing",
      "health check running",
    );
    const fixed = await commitAndPush(env, { "slow/config.yaml": cm("gate", { state: "open" }) });
    const k = await waitForKustomization(env, "slow", appliedRevision(fixed), "new revision applied and healthy");
    expect(conditionOf(k, "Healthy")?.status).toBe("True");
    const canceled = env.sink.events.find(
      (e) =>
        e.involvedObject.name === "slow" &&
        e.message === `Health checks canceled due to new reconciliation triggered by GitRepository/${NS}/app`,
    );
    expect(canceled?.reason).toBe("HealthCheckCanceled");
  }, 90_000);

  // Stops the controller: keep this test last.
  it("stopping the controller ends running health checks at once and records why", async () => {
    await createKustomization(env, "stuck", {
      path: "./stuck",
      targetNamespace: NS,
      wait: true,
      timeout: "10m",
      healthCheckExprs: [{ apiVersion: "v1", kind: "ConfigMap", current: "self.data.state == 'open'" }],
    });
    await waitForKustomization(env, "stuck", (o) => conditionOf(o, "Healthy")?.reason === "Progressing", "checking");
    await env.kustomize.stop();
    const k = await waitForKustomization(env, "stuck", (o) => conditionOf(o, "Ready")?.status === "False", "stopped");
    expect(conditionOf(k, "Ready")?.reason).toBe("HealthCheckFailed");
    expect(conditionOf(k, "Ready")?.message).toContain("kustomize-controller is shutting down");
  });
});
