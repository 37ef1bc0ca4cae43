// Flux's multi-tenancy lockdown flags on the helm-controller: `--no-cross-namespace-refs` refuses chart
// sources in another namespace (Stalled, AccessDenied, nothing installed), `--default-service-account`
// impersonates a ServiceAccount of the HelmRelease's namespace when `spec.serviceAccountName` is empty.

import { tempDir } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  conditionOf,
  createHelmRelease,
  type HelmEnv,
  isReadyNow,
  packageChart,
  publishHelmChart,
  SOURCE_API,
  startHelmEnv,
  until,
  waitForHelmRelease,
} from "./support/helm-env.js";

const NS = "tenant";
let work: Awaited<ReturnType<typeof tempDir>>;
let env: HelmEnv;

beforeAll(async () => {
  work = await tempDir("hc-tenancy-");
  env = await startHelmEnv(work.path, NS, { noCrossNamespaceRefs: true, defaultServiceAccount: "reconciler" });
  const chart = await packageChart(env, work.path, "app", "1.0.0");
  await publishHelmChart(env, "app", chart, "1.0.0");
  await env.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "platform" } });
  // The API server enforces RBAC: the impersonated ServiceAccounts need a binding, as on a real cluster.
  for (const name of ["reconciler", "own"]) {
    await env.client.create({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace: NS } });
    await env.client.create({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: `${name}-admin`, namespace: NS },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" },
      subjects: [{ kind: "ServiceAccount", name, namespace: NS }],
    });
  }
}, 120_000);

afterAll(async () => {
  await env?.stop();
  await work?.remove();
});

const stalled = (o: Parameters<typeof conditionOf>[0]) => conditionOf(o, "Stalled")?.status === "True";

describe("--no-cross-namespace-refs", () => {
  it("stalls a HelmRelease whose chartRef is in another namespace, installing nothing", async () => {
    await createHelmRelease(env, "foreign-ref", {
      chartRef: { kind: "HelmChart", name: "app", namespace: "platform" },
    });
    const hr = await waitForHelmRelease(env, "foreign-ref", "stalled", stalled);
    const message = "cross-namespace references are not allowed: cannot access HelmChart platform/app";
    expect(conditionOf(hr, "Stalled")).toMatchObject({ reason: "AccessDenied", message });
    expect(conditionOf(hr, "Ready")).toMatchObject({ status: "False", reason: "AccessDenied", message });
    expect(conditionOf(hr, "Reconciling")).toBeUndefined();
    expect(hr.status?.observedGeneration).toBe(hr.metadata.generation);
    expect(JSON.parse(await env.helm(["list", "-n", NS, "-o", "json"]))).toEqual([]);
    await until(
      async () => env.sink.events.some((e) => e.involvedObject.name === "foreign-ref" && e.reason === "AccessDenied"),
      "AccessDenied event",
    );
  });

  it("stalls a HelmRelease whose spec.chart uses another namespace's HelmRepository, creating no HelmChart there", async () => {
    await createHelmRelease(env, "foreign-repo", {
      chart: { spec: { chart: "app", sourceRef: { kind: "HelmRepository", name: "shared", namespace: "platform" } } },
    });
    const hr = await waitForHelmRelease(env, "foreign-repo", "stalled", stalled);
    expect(conditionOf(hr, "Stalled")).toMatchObject({
      reason: "AccessDenied",
      message: `cross-namespace references are not allowed: cannot access HelmChart platform/${NS}-foreign-repo`,
    });
    const charts = await env.client.list(SOURCE_API, "HelmChart", { namespace: "platform" });
    expect(charts.items).toEqual([]);
  });

  it("lets the same-namespace chart through, impersonating the default ServiceAccount", async () => {
    await createHelmRelease(env, "local", { chartRef: { kind: "HelmChart", name: "app" } });
    await waitForHelmRelease(env, "local", "installed", isReadyNow);
    const helmRequests = env.api
      .auditEvents()
      .filter((e) => e.userAgent?.startsWith("Helm/") && e.path.includes("local"));
    expect(helmRequests.length).toBeGreaterThan(0);
    for (const e of helmRequests) expect(e.user).toBe(`system:serviceaccount:${NS}:reconciler`);
  });

  it("prefers spec.serviceAccountName over the default", async () => {
    await createHelmRelease(env, "own-sa", { chartRef: { kind: "HelmChart", name: "app" }, serviceAccountName: "own" });
    await waitForHelmRelease(env, "own-sa", "installed", isReadyNow);
    const helmRequests = env.api
      .auditEvents()
      .filter((e) => e.userAgent?.startsWith("Helm/") && e.path.includes("own-sa"));
    expect(helmRequests.length).toBeGreaterThan(0);
    for (const e of helmRequests) expect(e.user).toBe(`system:serviceaccount:${NS}:own`);
  });

  it("fails closed with kube's forbidden message when the ServiceAccount may not write the release", async () => {
    await env.client.create({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "viewer", namespace: NS } });
    await env.client.create({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "viewer-view", namespace: NS },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
      subjects: [{ kind: "ServiceAccount", name: "viewer", namespace: NS }],
    });
    await createHelmRelease(env, "read-only", {
      chartRef: { kind: "HelmChart", name: "app" },
      serviceAccountName: "viewer",
    });
    const hr = await waitForHelmRelease(
      env,
      "read-only",
      "refused",
      (o) => conditionOf(o, "Ready")?.status === "False" && /forbidden/.test(conditionOf(o, "Ready")?.message ?? ""),
    );
    expect(conditionOf(hr, "Ready")?.message).toContain(
      `is forbidden: User "system:serviceaccount:${NS}:viewer" cannot`,
    );
    expect(JSON.parse(await env.helm(["list", "-n", NS, "-o", "json", "--filter", "read-only"]))).toEqual([]);
  });
});
