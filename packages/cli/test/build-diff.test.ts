// build and diff of a Kustomization from a local directory, with the in-cluster Kustomization's settings
// (targetNamespace, namePrefix, post-build substitution from a ConfigMap) and a server-side dry-run diff.

import { join } from "node:path";
import { ResourceManager } from "@sluice/runtime";
import type { UnstructuredObject } from "@sluice/runtime/kube";
import { writeTree } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { type CliEnv, startCliEnv } from "./support/cli-env.js";

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: \${REPLICAS}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:\${TAG:=1.25}
`;

describe("sluice build / diff kustomization", () => {
  let env: CliEnv;
  let dir: string;
  beforeAll(async () => {
    env = await startCliEnv();
    const c = env.cluster.client;
    await c.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "apps" } });
    await c.create({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "vars", namespace: "flux-system" },
      data: { REPLICAS: "3" },
    });
    await c.create({
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: { name: "web", namespace: "flux-system" },
      spec: {
        interval: "5m",
        path: "./deploy",
        prune: true,
        targetNamespace: "apps",
        namePrefix: "prod-",
        sourceRef: { kind: "GitRepository", name: "repo" },
        postBuild: { substituteFrom: [{ kind: "ConfigMap", name: "vars" }] },
      },
    });
    dir = join(env.workDir, "deploy");
    await writeTree(dir, {
      "deployment.yaml": DEPLOYMENT,
      "config.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n",
    });
  });
  afterAll(async () => {
    await env?.stop();
  });

  it("build prints the objects with the Kustomization's settings applied", async () => {
    const r = await env.sluice("build", "kustomization", "web", "--path", dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const objects = parseAllDocuments(r.stdout).map((d) => d.toJS() as UnstructuredObject);
    const deploy = objects.find((o) => o.kind === "Deployment")!;
    expect(deploy.metadata.name).toBe("prod-web");
    expect(deploy.metadata.namespace).toBe("apps");
    expect(deploy.metadata.labels).toMatchObject({
      "kustomize.toolkit.fluxcd.io/name": "web",
      "kustomize.toolkit.fluxcd.io/namespace": "flux-system",
    });
    expect((deploy["spec"] as { replicas: number }).replicas).toBe(3);
    expect(r.stdout).toContain("image: nginx:1.25");
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      "ConfigMap/prod-settings",
      "Deployment/prod-web",
    ]);
  });

  it("build masks SOPS-encrypted Secrets as **SOPS**, as flux build does", async () => {
    const enc = join(env.workDir, "encrypted");
    await writeTree(enc, {
      "secret.yaml": [
        "apiVersion: v1",
        "kind: Secret",
        "metadata:",
        "  name: creds",
        "stringData:",
        "  password: ENC[AES256_GCM,data:Zm9v,iv:YmFy,tag:YmF6,type:str]",
        "sops:",
        "  age:",
        "    - recipient: age1qqqq",
        "      enc: ENC-STANZA",
        "  mac: ENC[AES256_GCM,data:bWFj,iv:aXY=,tag:dGFn,type:str]",
        "  version: 3.9.0",
        "",
      ].join("\n"),
    });
    const r = await env.sluice("build", "kustomization", "web", "--path", enc);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('password: "**SOPS**"');
    expect(r.stdout).not.toContain("ENC[");
    expect(r.stdout).not.toMatch(/^sops:/m);
  });

  it("build reports a broken manifest and a missing path", async () => {
    const broken = join(env.workDir, "broken");
    await writeTree(broken, { "bad.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: [oops\n" });
    const r = await env.sluice("build", "kustomization", "web", "--path", broken);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^✗ build failed: /);
    const missing = await env.sluice("build", "kustomization", "web", "--path", join(env.workDir, "nope"));
    expect(missing.stderr.trim()).toBe(`✗ invalid --path "${join(env.workDir, "nope")}": not a directory`);
  });

  it("diff shows new objects, then nothing once applied, then the drift of a change (exit 1 / 0 / 1)", async () => {
    const first = await env.sluice("diff", "kustomization", "web", "--path", dir);
    expect(first.stdout).toContain("► ConfigMap/apps/prod-settings created\n");
    expect(first.stdout).toContain("► Deployment/apps/prod-web created\n");
    expect(first.stderr).toContain("identified at least one change, exiting with non-zero exit code");
    expect(first.code).toBe(1);

    // Apply what the build produced, as kustomize-controller would.
    const built = await env.sluice("build", "kustomization", "web", "--path", dir);
    const objects = parseAllDocuments(built.stdout).map((d) => d.toJS() as UnstructuredObject);
    const manager = new ResourceManager({
      client: env.cluster.client,
      owner: { field: "kustomize-controller", group: "kustomize.toolkit.fluxcd.io" },
    });
    await manager.applyAll(objects);

    const same = await env.sluice("diff", "kustomization", "web", "--path", dir);
    expect(same.stdout).toBe("");
    expect(same.stderr).toContain("✔ no changes");
    expect(same.code).toBe(0);

    await writeTree(dir, {
      "config.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: slow\n",
    });
    const changed = await env.sluice("diff", "kustomization", "web", "--path", dir);
    expect(changed.stdout).toContain("► ConfigMap/apps/prod-settings drifted\n");
    // Per object, per changed field, as flux's (dyff) report.
    expect(changed.stdout).toContain(
      "► ConfigMap/apps/prod-settings drifted\n\ndata.mode\n  ± value change\n    - fast\n    + slow\n\n",
    );
    expect(changed.stdout).not.toContain("Deployment/apps/prod-web");
    expect(changed.code).toBe(1);
  });
});
