// HelmRelease options that shape what helm applies: kustomize post-renderers (patches, images) and
// commonMetadata through the generated helm 4 post-renderer plugin, impersonation of spec.serviceAccountName,
// targetNamespace with createNamespace, and dependsOn ordering.

import { tempDir } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  conditionOf,
  createHelmRelease,
  type HelmEnv,
  isReadyNow,
  packageChart,
  publishHelmChart,
  startHelmEnv,
  waitForHelmRelease,
} from "./support/helm-env.js";

const NS = "platform";
let work: Awaited<ReturnType<typeof tempDir>>;
let env: HelmEnv;

beforeAll(async () => {
  work = await tempDir("hc-options-");
  env = await startHelmEnv(work.path, NS);
  const chart = await packageChart(env, work.path, "svc", "1.0.0");
  await publishHelmChart(env, "svc", chart, "1.0.0");
  // The API server enforces RBAC: the impersonated ServiceAccount needs a binding, as on a real cluster.
  await env.client.create({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "deployer", namespace: NS } });
  await env.client.create({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "deployer-admin", namespace: NS },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" },
    subjects: [{ kind: "ServiceAccount", name: "deployer", namespace: NS }],
  });
}, 120_000);

afterAll(async () => {
  await env?.stop();
  await work?.remove();
});

interface DeploymentShape {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { template: { metadata: { labels?: Record<string, string> }; spec: { containers: { image: string }[] } } };
}

describe("HelmRelease rendering options", () => {
  it("applies kustomize patches and images, commonMetadata and owner labels to rendered objects", async () => {
    await createHelmRelease(env, "shaped", {
      chartRef: { kind: "HelmChart", name: "svc" },
      commonMetadata: { labels: { team: "platform" }, annotations: { "owner.example.com/contact": "ops" } },
      postRenderers: [
        {
          kustomize: {
            patches: [
              {
                target: { kind: "Deployment" },
                patch:
                  'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: any\nspec:\n  template:\n    metadata:\n      labels:\n        patched: "yes"\n',
              },
            ],
            images: [{ name: "nginx", newName: "registry.example.com/nginx", newTag: "1.27" }],
          },
        },
      ],
    });
    await waitForHelmRelease(env, "shaped", "installed", isReadyNow);
    const deploy = (await env.client.get({
      apiVersion: "apps/v1",
      kind: "Deployment",
      namespace: NS,
      name: "shaped-svc",
    })) as unknown as DeploymentShape;
    expect(deploy.metadata.labels).toMatchObject({
      team: "platform",
      "helm.toolkit.fluxcd.io/name": "shaped",
      "helm.toolkit.fluxcd.io/namespace": NS,
    });
    expect(deploy.metadata.annotations).toMatchObject({ "owner.example.com/contact": "ops" });
    expect(deploy.spec.template.metadata.labels).toMatchObject({ patched: "yes" });
    expect(deploy.spec.template.spec.containers[0]?.image).toBe("registry.example.com/nginx:1.27");
  });

  it("impersonates spec.serviceAccountName for every helm request", async () => {
    await createHelmRelease(env, "as-sa", {
      chartRef: { kind: "HelmChart", name: "svc" },
      serviceAccountName: "deployer",
    });
    await waitForHelmRelease(env, "as-sa", "installed", isReadyNow);
    const helmRequests = env.api
      .auditEvents()
      .filter((e) => e.userAgent?.startsWith("Helm/") && e.path.includes("as-sa"));
    expect(helmRequests.some((e) => e.verb === "PATCH" && e.path.includes("/deployments/as-sa-svc"))).toBe(true);
    for (const e of helmRequests) expect(e.user).toBe(`system:serviceaccount:${NS}:deployer`);
  });

  it("installs into targetNamespace with createNamespace, named [targetNamespace-]name", async () => {
    await createHelmRelease(env, "remote", {
      chartRef: { kind: "HelmChart", name: "svc" },
      targetNamespace: "elsewhere",
      install: { createNamespace: true },
    });
    const hr = await waitForHelmRelease(env, "remote", "installed", isReadyNow);
    expect(hr.status?.history?.[0]).toMatchObject({ name: "elsewhere-remote", namespace: "elsewhere" });
    // As Flux: the release records stay in the HelmRelease's namespace (storageNamespace's default).
    expect(hr.status?.storageNamespace).toBe(NS);
    const list = JSON.parse(await env.helm(["list", "-n", NS, "-o", "json"])) as { name: string; namespace: string }[];
    expect(list.filter((r) => r.name === "elsewhere-remote").map((r) => r.namespace)).toEqual(["elsewhere"]);
    expect(JSON.parse(await env.helm(["list", "-n", "elsewhere", "-o", "json"]))).toEqual([]);
  });

  it("waits for dependsOn to be Ready before installing", async () => {
    await createHelmRelease(env, "frontend", {
      chartRef: { kind: "HelmChart", name: "svc" },
      dependsOn: [{ name: "backend" }],
    });
    const waiting = await waitForHelmRelease(
      env,
      "frontend",
      "waiting for backend",
      (o) => conditionOf(o, "Ready")?.reason === "DependencyNotReady",
    );
    // helm-controller's message carries the API's answer for a dependency that cannot be read.
    expect(conditionOf(waiting, "Ready")?.message).toBe(
      `unable to get '${NS}/backend' dependency: helmreleases.helm.toolkit.fluxcd.io "backend" not found`,
    );
    expect(waiting.status?.history).toBeUndefined();
    await createHelmRelease(env, "backend", { chartRef: { kind: "HelmChart", name: "svc" } });
    const ready = await waitForHelmRelease(env, "frontend", "installed after backend", isReadyNow);
    expect(conditionOf(ready, "Released")?.reason).toBe("InstallSucceeded");
  });
});
