// Kustomization commands against the real source- and kustomize-controllers and a Git repository: create
// (waiting for Ready), get, reconcile --with-source after a push, tree of the real inventory, trace of an
// applied object, suspend/resume, and a broken manifest reported by reconcile.

import { join } from "node:path";
import { createFixtureRepo, type FixtureRepo, type GitHttpServer, startGitHttpServer } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliEnv, startCliEnv } from "./support/cli-env.js";

const cm = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;

describe("sluice kustomization commands", () => {
  let env: CliEnv;
  let server: GitHttpServer;
  let repo: FixtureRepo;
  beforeAll(async () => {
    env = await startCliEnv({ withSourceController: true, withKustomizeController: true });
    await env.cluster.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "apps" } });
    repo = await createFixtureRepo(join(env.workDir, "git"), "apps", "main");
    await repo.commit({ "deploy/a.yaml": cm("a", "1"), "deploy/b.yaml": cm("b", "1") });
    await repo.push();
    server = await startGitHttpServer({ root: join(env.workDir, "git") });
    const src = await env.sluice(
      "create",
      "source",
      "git",
      "apps",
      "--url",
      server.url("apps.git"),
      "--branch",
      "main",
    );
    if (src.code !== 0) throw new Error(src.stderr);
  });
  afterAll(async () => {
    await server?.stop();
    await env?.stop();
  });

  it("create kustomization (Go-style --prune=true) applies and waits until Ready, with flux create's field manager", async () => {
    const head = await repo.git(["rev-parse", "HEAD"]);
    const r = await env.sluice(
      "create",
      "kustomization",
      "apps",
      "--source",
      "GitRepository/apps",
      "--path",
      "./deploy",
      "--prune=true",
      "--target-namespace",
      "apps",
      "--interval",
      "10m",
    );
    expect(r.stderr).toContain(
      "✚ generating Kustomization\n► applying Kustomization\n✔ Kustomization created\n◎ waiting for Kustomization reconciliation\n",
    );
    expect(r.stderr).toContain(`✔ Kustomization apps is ready\n✔ applied revision main@sha1:${head}\n`);
    expect(r.code).toBe(0);
    const get = await env.sluice("get", "ks");
    expect(get.stdout.split("\n")[1]).toMatch(
      new RegExp(`^apps\\s+main@sha1:${head}\\s+False\\s+True\\s+Applied revision: main@sha1:${head}$`),
    );
    const ks = await env.cluster.client.get({
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      namespace: "flux-system",
      name: "apps",
    });
    expect((ks["spec"] as { prune?: boolean }).prune).toBe(true);
    const spec = ks.metadata.managedFields?.find(
      (f) => (f as { fieldsV1?: { "f:spec"?: unknown } }).fieldsV1?.["f:spec"],
    );
    expect(spec).toMatchObject({ manager: "flux", operation: "Update" });
  });

  it("tree shows the applied objects and trace follows one back to Git", async () => {
    const tree = await env.sluice("tree", "ks", "apps");
    expect(tree.stdout).toBe("Kustomization/flux-system/apps\n├── ConfigMap/apps/a\n└── ConfigMap/apps/b\n");
    const trace = await env.sluice("trace", "configmap", "a", "-n", "apps");
    expect(trace.code).toBe(0);
    expect(trace.stdout).toMatch(
      /Kustomization:\s+apps\nNamespace:\s+flux-system\nTarget:\s+apps\nPath:\s+\.\/deploy\n/,
    );
    expect(trace.stdout).toMatch(
      new RegExp(
        `GitRepository:\\s+apps\\nNamespace:\\s+flux-system\\nURL:\\s+${server.url("apps.git").replace(/[.]/g, "\\.")}\\nBranch:\\s+main\\n`,
      ),
    );
  });

  it("reconcile --with-source picks up a push (and prunes a removed file)", async () => {
    await repo.git(["rm", "-q", "deploy/b.yaml"]);
    const next = await repo.commit({ "deploy/a.yaml": cm("a", "2") }, "change a, drop b");
    await repo.push();
    const r = await env.sluice("reconcile", "ks", "apps", "--with-source");
    expect(r.stderr).toContain(
      `► annotating GitRepository apps in flux-system namespace\n✔ GitRepository annotated\n◎ waiting for GitRepository reconciliation\n✔ fetched revision main@sha1:${next}\n`,
    );
    expect(r.stderr).toContain(
      `► annotating Kustomization apps in flux-system namespace\n✔ Kustomization annotated\n◎ waiting for Kustomization reconciliation\n✔ applied revision main@sha1:${next}\n`,
    );
    expect(r.code).toBe(0);
    const a = await env.cluster.client.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "apps", name: "a" });
    expect((a as unknown as { data: { value: string } }).data.value).toBe("2");
    expect(
      await env.cluster.client.getOptional({ apiVersion: "v1", kind: "ConfigMap", namespace: "apps", name: "b" }),
    ).toBeUndefined();
  });

  it("a broken manifest makes reconcile fail with the build error", async () => {
    await repo.commit({ "deploy/broken.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: [oops\n" }, "break");
    await repo.push();
    const r = await env.sluice("reconcile", "ks", "apps", "--with-source");
    expect(r.code).toBe(1);
    const ks = await env.cluster.client.get({
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      namespace: "flux-system",
      name: "apps",
    });
    const ready = (ks["status"] as { conditions: { type: string; reason: string; message: string }[] }).conditions.find(
      (c) => c.type === "Ready",
    )!;
    expect(ready.reason).toBe("BuildFailed");
    expect(r.stderr.trimEnd().split("\n").at(-1)).toBe(`✗ ${ready.message}`);
    const get = await env.sluice("get", "ks");
    expect(get.stdout.split("\n")[1]).toMatch(/^apps\s+main@sha1:\w+\s+False\s+False\s+/);
  });
});
