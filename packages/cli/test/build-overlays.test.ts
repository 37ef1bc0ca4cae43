// build and diff of an overlay in the usual base + overlays layout: the overlay's `../../base` must resolve,
// as flux builds the overlay where it lies in the repository.

import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { UnstructuredObject } from "@sluice/runtime/kube";
import { writeTree } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { type CliEnv, startCliEnv } from "./support/cli-env.js";

describe("sluice build / diff kustomization on base + overlays", () => {
  let env: CliEnv;
  let repo: string;
  beforeAll(async () => {
    env = await startCliEnv();
    await env.cluster.client.create({
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: { name: "apps-staging", namespace: "flux-system" },
      spec: {
        interval: "5m",
        path: "./overlays/staging",
        prune: true,
        sourceRef: { kind: "GitRepository", name: "repo" },
      },
    });
    repo = join(env.workDir, "repo");
    await mkdir(join(repo, ".git"), { recursive: true });
    await writeTree(repo, {
      "base/kustomization.yaml":
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [app.yaml]\n",
      "base/app.yaml":
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: default\ndata:\n  env: base\n  size: small\n",
      "overlays/staging/kustomization.yaml":
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../../base]\nnameSuffix: -staging\npatches:\n- path: patch.yaml\n",
      "overlays/staging/patch.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  env: staging\n",
      "overlays/production/kustomization.yaml":
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../../base]\nnameSuffix: -production\n",
    });
  });
  afterAll(async () => {
    await env?.stop();
  });

  it("build --path ./overlays/staging from the repository root builds only that overlay, with its base", async () => {
    const r = await env.sluice("build", "kustomization", "apps-staging", "--path", "./repo/overlays/staging");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const objects = parseAllDocuments(r.stdout).map((d) => d.toJS() as UnstructuredObject);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(["ConfigMap/app-staging"]);
    expect(objects[0]!["data"]).toEqual({ env: "staging", size: "small" });
    expect(objects[0]!.metadata.labels).toEqual({
      "kustomize.toolkit.fluxcd.io/name": "apps-staging",
      "kustomize.toolkit.fluxcd.io/namespace": "flux-system",
    });
  });

  it("diff of the overlay shows the object to create, then each changed field once it exists", async () => {
    const first = await env.sluice("diff", "kustomization", "apps-staging", "--path", join(repo, "overlays/staging"));
    expect(first.stdout).toBe("► ConfigMap/default/app-staging created\n");
    expect(first.code).toBe(1);
    await env.cluster.client.create({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: "app-staging",
        namespace: "default",
        labels: {
          "kustomize.toolkit.fluxcd.io/name": "apps-staging",
          "kustomize.toolkit.fluxcd.io/namespace": "flux-system",
        },
      },
      data: { env: "old", size: "small", extra: "x" },
    });
    const drift = await env.sluice("diff", "kustomization", "apps-staging", "--path", join(repo, "overlays/staging"));
    expect(drift.code).toBe(1);
    expect(drift.stdout).toContain("► ConfigMap/default/app-staging drifted\n");
    expect(drift.stdout).toContain("data.env\n  ± value change\n    - old\n    + staging\n");
  });
});
