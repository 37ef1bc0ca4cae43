// install --export, install into a cluster (Deployments become ready through the API server's workload
// simulation), check against the installed Deployments, and uninstall.

import type { UnstructuredObject } from "@sluice/runtime/kube";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { type CliEnv, startCliEnv } from "./support/cli-env.js";

describe("sluice install / uninstall", () => {
  let env: CliEnv;
  beforeAll(async () => {
    env = await startCliEnv({ simulateWorkloads: true, noCrds: true });
  });
  afterAll(async () => {
    await env?.stop();
  });

  it("install --export prints CRDs and the components with the chosen registry and tag", async () => {
    const r = await env.sluice(
      "install",
      "--export",
      "--registry",
      "registry.local:5000/sluice",
      "--version",
      "v1.2.3",
      "--components",
      "source-controller,kustomize-controller",
    );
    expect(r.code).toBe(0);
    const objects = parseAllDocuments(r.stdout).map((d) => d.toJS() as UnstructuredObject);
    const kinds = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(kinds).toContain("CustomResourceDefinition/gitrepositories.source.toolkit.fluxcd.io");
    expect(kinds).toContain("CustomResourceDefinition/kustomizations.kustomize.toolkit.fluxcd.io");
    expect(kinds).toContain("Namespace/flux-system");
    expect(kinds.filter((k) => k.startsWith("Deployment/"))).toEqual([
      "Deployment/source-controller",
      "Deployment/kustomize-controller",
    ]);
    const sc = objects.find((o) => o.kind === "Deployment" && o.metadata.name === "source-controller")!;
    const container = (sc["spec"] as { template: { spec: { containers: { image: string; args: string[] }[] } } })
      .template.spec.containers[0]!;
    expect(container.image).toBe("registry.local:5000/sluice/source-controller:v1.2.3");
    expect(container.args).toContain("--storage-path=/data");
    expect(container.args).toContain("--watch-all-namespaces=true");
    const bad = await env.sluice("install", "--export", "--components", "source-controller,image-magic");
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toMatch(/^✗ invalid --components value "image-magic": want some of source-controller, /);
  });

  it("install applies everything, waits for the Deployments, and check passes", async () => {
    const r = await env.sluice("install", "--timeout", "2m");
    expect(r.stderr).toContain(
      "✚ generating manifests\n✔ manifests build completed\n► installing components in flux-system namespace\n",
    );
    expect(r.stdout).toContain("CustomResourceDefinition/gitrepositories.source.toolkit.fluxcd.io created\n");
    expect(r.stdout).toContain("Deployment/flux-system/source-controller created\n");
    for (const c of ["source-controller", "kustomize-controller", "helm-controller", "notification-controller"]) {
      expect(r.stderr).toContain(`✔ ${c}: deployment ready\n`);
    }
    expect(r.stderr.trimEnd().split("\n").at(-1)).toBe("✔ install finished");
    expect(r.code).toBe(0);
    const again = await env.sluice("install", "--timeout", "2m");
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("Deployment/flux-system/source-controller unchanged\n");

    const version = await env.sluice("version");
    expect(version.stdout).toMatch(
      /^sluice: v(\S+)\nkubernetes: v\S+\nhelm-controller: v\1\nkustomize-controller: v\1\nnotification-controller: v\1\nsource-controller: v\1\n$/,
    );

    const check = await env.sluice("check");
    expect(check.stderr).toContain(
      "✔ source-controller: deployment ready\n► ghcr.io/sluice-gitops/source-controller:v",
    );
    expect(check.stderr.trimEnd().split("\n").at(-1)).toBe("✔ all checks passed");
    expect(check.code).toBe(0);
  });

  it("uninstall removes components, finalizers, CRDs and the namespace", async () => {
    await env.cluster.client.create({
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      metadata: { name: "held", namespace: "flux-system", finalizers: ["finalizers.fluxcd.io"] },
      spec: { url: "https://example.com/x.git", interval: "1m" },
    });
    const r = await env.sluice("uninstall", "--silent");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("✔ Deployment/flux-system/source-controller deleted\n");
    expect(r.stderr).toContain("✔ GitRepository/flux-system/held finalizers deleted\n");
    expect(r.stderr).toContain("✔ CustomResourceDefinition/gitrepositories.source.toolkit.fluxcd.io deleted\n");
    expect(r.stderr).toContain("✔ Namespace/flux-system deleted\n");
    const crds = await env.cluster.client.list<UnstructuredObject>(
      "apiextensions.k8s.io/v1",
      "CustomResourceDefinition",
    );
    expect(crds.items.filter((c) => c.metadata.name?.endsWith(".toolkit.fluxcd.io"))).toEqual([]);
    const deployments = await env.cluster.client.list<UnstructuredObject>("apps/v1", "Deployment", {
      namespace: "flux-system",
    });
    expect(deployments.items).toEqual([]);
  });
});
