// Source commands against the real source-controller and a Git repository served by git http-backend:
// create (and --export), get tables, reconcile, suspend/resume, export, delete, and a failing source.

import { join } from "node:path";
import { createFixtureRepo, type FixtureRepo, type GitHttpServer, startGitHttpServer } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliEnv, startCliEnv } from "./support/cli-env.js";

describe("sluice source commands", () => {
  let env: CliEnv;
  let server: GitHttpServer;
  let repo: FixtureRepo;
  let firstCommit: string;

  beforeAll(async () => {
    env = await startCliEnv({ withSourceController: true });
    repo = await createFixtureRepo(join(env.workDir, "git"), "app", "main");
    firstCommit = await repo.commit({ "deploy/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n" });
    await repo.push();
    server = await startGitHttpServer({ root: join(env.workDir, "git") });
  });
  afterAll(async () => {
    await server?.stop();
    await env?.stop();
  });

  it("create source git --export prints flux's YAML", async () => {
    const r = await env.sluice(
      "create",
      "source",
      "git",
      "app",
      "--url",
      server.url("app.git"),
      "--branch",
      "main",
      "--interval",
      "1m",
      "--export",
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        "---",
        "apiVersion: source.toolkit.fluxcd.io/v1",
        "kind: GitRepository",
        "metadata:",
        "  name: app",
        "  namespace: flux-system",
        "spec:",
        "  interval: 1m0s",
        "  ref:",
        "    branch: main",
        `  url: ${server.url("app.git")}`,
        "",
      ].join("\n"),
    );
  });

  it("create source git creates the GitRepository and waits for its artifact", async () => {
    const r = await env.sluice("create", "source", "git", "app", "--url", server.url("app.git"), "--branch", "main");
    expect(r.stderr).toContain(
      "✚ generating GitRepository source\n► applying GitRepository source\n✔ GitRepository source created\n◎ waiting for GitRepository source reconciliation\n✔ GitRepository source reconciliation completed\n",
    );
    expect(r.stderr).toContain(`✔ fetched revision: main@sha1:${firstCommit}`);
    expect(r.code).toBe(0);
  });

  it("get sources git prints the status table", async () => {
    const r = await env.sluice("get", "sources", "git");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+REVISION\s+SUSPENDED\s+READY\s+MESSAGE$/);
    expect(lines[1]).toMatch(
      new RegExp(
        `^app\\s+main@sha1:${firstCommit}\\s+False\\s+True\\s+stored artifact for revision 'main@sha1:${firstCommit}'$`,
      ),
    );
    expect(lines).toHaveLength(2);
  });

  it("get sources all -A names kinds and namespaces", async () => {
    const r = await env.sluice("get", "sources", "all", "-A");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NAMESPACE\s+NAME\s+REVISION\s+SUSPENDED\s+READY\s+MESSAGE$/);
    expect(lines[1]).toMatch(/^flux-system\s+gitrepository\/app\s+main@sha1:/);
  });

  it("get in an empty namespace says so and exits 0", async () => {
    const r = await env.sluice("get", "sources", "helm", "-n", "default");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim()).toBe("✗ no HelmRepository objects found in default namespace");
  });

  it("reconcile source git fetches a new commit", async () => {
    const second = await repo.commit({ "deploy/cm2.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n" });
    await repo.push();
    const r = await env.sluice("reconcile", "source", "git", "app");
    expect(r.stderr).toContain(
      "► annotating GitRepository app in flux-system namespace\n✔ GitRepository annotated\n◎ waiting for GitRepository reconciliation\n",
    );
    expect(r.stderr).toContain(`✔ fetched revision main@sha1:${second}`);
    expect(r.code).toBe(0);
    const obj = await env.cluster.client.get({
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      namespace: "flux-system",
      name: "app",
    });
    expect((obj["status"] as { lastHandledReconcileAt?: string }).lastHandledReconcileAt).toBe(
      obj.metadata.annotations?.["reconcile.fluxcd.io/requestedAt"],
    );
  });

  it("suspend marks the source suspended, reconcile refuses, resume reconciles again", async () => {
    const s = await env.sluice("suspend", "source", "git", "app");
    expect(s.code).toBe(0);
    expect(s.stderr).toBe("► suspending source git app in flux-system namespace\n✔ source git suspended\n");
    const g = await env.sluice("get", "sources", "git");
    expect(g.stdout.split("\n")[1]).toMatch(/^app\s+\S+\s+True\s+/);
    const rec = await env.sluice("reconcile", "source", "git", "app");
    expect(rec.code).toBe(1);
    expect(rec.stderr).toContain("✗ resource is suspended");
    const res = await env.sluice("resume", "source", "git", "app");
    expect(res.stderr).toContain(
      "✔ source git resumed\n◎ waiting for GitRepository reconciliation\n✔ GitRepository reconciliation completed\n✔ fetched revision main@sha1:",
    );
    expect(res.code).toBe(0);
    const g2 = await env.sluice("get", "sources", "git");
    expect(g2.stdout.split("\n")[1]).toMatch(/^app\s+\S+\s+False\s+True\s+/);
  });

  it("export prints clean YAML without status or server metadata", async () => {
    const r = await env.sluice("export", "source", "git", "app");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^---\napiVersion: source.toolkit.fluxcd.io\/v1\nkind: GitRepository\nmetadata:\n {2}name: app\n {2}namespace: flux-system\nspec:\n/,
    );
    for (const field of [
      "status:",
      "uid:",
      "resourceVersion:",
      "managedFields",
      "finalizers",
      "requestedAt",
      "creationTimestamp",
    ]) {
      expect(r.stdout).not.toContain(field);
    }
    const all = await env.sluice("export", "source", "git", "--all");
    expect(all.stdout).toBe(r.stdout);
  });

  it("a source that cannot be fetched fails with its Ready message and exit 1", async () => {
    const r = await env.sluice(
      "create",
      "source",
      "git",
      "missing",
      "--url",
      server.url("missing.git"),
      "--branch",
      "main",
      "--timeout",
      "20s",
    );
    expect(r.code).toBe(1);
    const last = r.stderr.trimEnd().split("\n").at(-1) ?? "";
    expect(last).toMatch(/^✗ timeout waiting for GitRepository flux-system\/missing to become ready: .*missing\.git/);
  });

  it("reconcile of a failing source reports its Ready message and exit 1", async () => {
    const r = await env.sluice("reconcile", "source", "git", "missing");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("◎ waiting for GitRepository reconciliation\n✗ ");
    expect(r.stderr.trimEnd().split("\n").at(-1)).toMatch(/^✗ .*missing\.git/);
  });

  it("create source git --username/--password stores the credentials and uses them", async () => {
    const authServer = await startGitHttpServer({
      root: join(env.workDir, "git"),
      auth: { type: "basic", username: "bot", password: "s3cret" },
    });
    try {
      const url = authServer.url("app.git");
      const exported = await env.sluice(
        "create",
        "source",
        "git",
        "private",
        "--url",
        url,
        "--branch",
        "main",
        "-u",
        "bot",
        "-p",
        "s3cret",
        "--export",
      );
      expect(exported.stdout).toContain(
        "kind: Secret\nmetadata:\n  name: private\n  namespace: flux-system\nstringData:\n  username: bot\n  password: s3cret\n",
      );
      expect(exported.stdout).toContain("  secretRef:\n    name: private\n");
      const r = await env.sluice(
        "create",
        "source",
        "git",
        "private",
        "--url",
        url,
        "--branch",
        "main",
        "-u",
        "bot",
        "-p",
        "s3cret",
      );
      expect(r.stderr).toContain("► applying secret with repository credentials\n✔ authentication configured\n");
      expect(r.stderr).toMatch(/✔ fetched revision: main@sha1:[0-9a-f]{40}\n/);
      expect(r.code).toBe(0);
      expect(
        authServer.requests.some((q) => q.authorization === `Basic ${Buffer.from("bot:s3cret").toString("base64")}`),
      ).toBe(true);
      const half = await env.sluice(
        "create",
        "source",
        "git",
        "private",
        "--url",
        url,
        "--branch",
        "main",
        "-u",
        "bot",
      );
      expect(half.stderr.trim()).toBe("✗ --username requires --password");
    } finally {
      await authServer.stop();
    }
  });

  it("rejects bad flags before touching the cluster", async () => {
    const r = await env.sluice("create", "source", "git", "bad", "--url", "ftp://x", "--branch", "main");
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('✗ invalid --url "ftp://x": git URL scheme must be http://, https:// or ssh://');
    const noRef = await env.sluice("create", "source", "git", "bad", "--url", "https://x/y");
    expect(noRef.stderr.trim()).toBe("✗ a Git ref is required, use one of --branch, --tag, --tag-semver or --commit");
    const interval = await env.sluice(
      "create",
      "source",
      "git",
      "bad",
      "--url",
      "https://x/y",
      "--branch",
      "m",
      "--interval",
      "soon",
    );
    expect(interval.stderr.trim()).toBe('✗ invalid --interval "soon": want a duration like 30s, 1m or 1h');
  });

  it("check --health-url reports a local controller as ready", async () => {
    const address = env.controller!.manager.probes.addressOf("/readyz")!;
    const url = `http://127.0.0.1:${address.port}`;
    const r = await env.sluice("check", "--health-url", `source-controller=${url}`);
    expect(r.stderr).toContain(`► checking controllers\n✔ source-controller: ready (${url}/readyz)\n► checking crds\n`);
    expect(r.stderr.trimEnd().split("\n").at(-1)).toBe("✔ all checks passed");
    expect(r.code).toBe(0);
    const down = await env.sluice("check", "--health-url", "helm-controller=http://127.0.0.1:1");
    expect(down.code).toBe(1);
    expect(down.stderr).toContain("✗ helm-controller: health address http://127.0.0.1:1 not reachable");
  });

  it("delete --silent removes the source once its finalizer ran", async () => {
    const r = await env.sluice("delete", "source", "git", "missing", "--silent");
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("► deleting source git missing in flux-system namespace\n✔ source git deleted\n");
    // The source-controller's finalizer completes the deletion.
    await expect
      .poll(
        () =>
          env.cluster.client.getOptional({
            apiVersion: "source.toolkit.fluxcd.io/v1",
            kind: "GitRepository",
            namespace: "flux-system",
            name: "missing",
          }),
        { timeout: 60_000, interval: 200 },
      )
      .toBeUndefined();
    const gone = await env.cluster.client.getOptional({
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      namespace: "flux-system",
      name: "missing",
    });
    expect(gone).toBeUndefined();
    const noConfirm = await env.sluice("delete", "source", "git", "app");
    expect(noConfirm.code).toBe(1);
    expect(noConfirm.stderr.trim()).toBe("✗ refusing to delete without confirmation: use --silent");
  });
});
