// bootstrap git against a repository served by git http-backend: components and sync manifests are
// committed and pushed, the controllers installed, and the real source- and kustomize-controllers reconcile
// the flux-system GitRepository and Kustomization from the pushed commit.

import { join } from "node:path";
import type { UnstructuredObject } from "@sluice/runtime/kube";
import { createFixtureRepo, type FixtureRepo, type GitHttpServer, git, startGitHttpServer } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type CliEnv, startCliEnv } from "./support/cli-env.js";

describe("sluice bootstrap git", () => {
  let env: CliEnv;
  let server: GitHttpServer;
  let repo: FixtureRepo;
  beforeAll(async () => {
    env = await startCliEnv({ simulateWorkloads: true, withSourceController: true, withKustomizeController: true });
    repo = await createFixtureRepo(join(env.workDir, "git"), "fleet", "main");
    await repo.commit({ "README.md": "fleet\n" });
    await repo.push();
    server = await startGitHttpServer({ root: join(env.workDir, "git") });
  });
  afterAll(async () => {
    await server?.stop();
    await env?.stop();
  });

  it("commits the manifests, installs, and the cluster syncs itself from Git", async () => {
    const r = await env.sluice(
      "bootstrap",
      "git",
      "--url",
      server.url("fleet.git"),
      "--branch",
      "main",
      "--path",
      "clusters/dev",
      "--timeout",
      "3m",
    );
    expect(r.stderr).toContain(
      `► cloning branch "main" from Git repository "${server.url("fleet.git")}"\n✔ cloned repository\n`,
    );
    expect(r.stderr).toMatch(/✔ committed component manifests to "main" \("[0-9a-f]{40}"\)/);
    expect(r.stderr).toMatch(/✔ committed sync manifests to "main" \("([0-9a-f]{40})"\)/);
    expect(r.stderr.trimEnd().split("\n").at(-1)).toBe("✔ bootstrap finished");
    expect(r.code).toBe(0);

    // The pushed branch holds the three files.
    const check = join(env.workDir, "check");
    await git(env.workDir, ["clone", "-q", "--branch", "main", join(env.workDir, "git", "fleet.git"), check]);
    const files = (await git(check, ["ls-files"])).split("\n").sort();
    expect(files).toEqual([
      "README.md",
      "clusters/dev/flux-system/gotk-components.yaml",
      "clusters/dev/flux-system/gotk-sync.yaml",
      "clusters/dev/flux-system/kustomization.yaml",
    ]);
    const head = await git(check, ["rev-parse", "HEAD"]);
    const ks = await env.cluster.client.get<UnstructuredObject>({
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      namespace: "flux-system",
      name: "flux-system",
    });
    expect((ks["spec"] as { path: string }).path).toBe("./clusters/dev");
    expect((ks["status"] as { lastAppliedRevision: string }).lastAppliedRevision).toBe(`main@sha1:${head}`);
    // gotk-components.yaml is exactly what `install --export` prints: the chart's render.
    const components = await git(check, ["show", "HEAD:clusters/dev/flux-system/gotk-components.yaml"]);
    const exported = await env.sluice("install", "--export");
    expect(exported.code).toBe(0);
    expect(`${components}\n`).toBe(exported.stdout);
    const sync = await git(check, ["show", "HEAD:clusters/dev/flux-system/kustomization.yaml"]);
    expect(parse(sync)).toEqual({
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      resources: ["gotk-components.yaml", "gotk-sync.yaml"],
    });
    // The Kustomization applied the committed components: the Deployments carry its owner labels.
    const deploy = await env.cluster.client.get<UnstructuredObject>({
      apiVersion: "apps/v1",
      kind: "Deployment",
      namespace: "flux-system",
      name: "source-controller",
    });
    expect(deploy.metadata.labels?.["kustomize.toolkit.fluxcd.io/name"]).toBe("flux-system");

    // A second bootstrap finds nothing to commit.
    const again = await env.sluice(
      "bootstrap",
      "git",
      "--url",
      server.url("fleet.git"),
      "--branch",
      "main",
      "--path",
      "clusters/dev",
      "--timeout",
      "3m",
    );
    expect(again.stderr).toContain("✔ component manifests are up to date\n");
    expect(again.stderr).toContain("✔ sync manifests are up to date\n");
    expect(again.code).toBe(0);
  });

  it("fails with one line when the repository cannot be reached", async () => {
    const r = await env.sluice(
      "bootstrap",
      "git",
      "--url",
      server.url("nope.git"),
      "--branch",
      "main",
      "--path",
      "clusters/dev",
    );
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split("\n").at(-1)).toMatch(
      /^✗ git ls-remote failed for http:\/\/127\.0\.0\.1:\d+\/nope\.git: /,
    );
  });
});
