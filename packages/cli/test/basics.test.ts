// Global behaviour: help, version, unknown flags and commands, missing objects, bad kubeconfig.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliEnv, runCli, startCliEnv } from "./support/cli-env.js";

describe("sluice basics", () => {
  let env: CliEnv;
  beforeAll(async () => {
    env = await startCliEnv();
  });
  afterAll(async () => {
    await env?.stop();
  });

  it("prints help with the global flags and exits 0", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    for (const flag of ["--kubeconfig", "--context", "-n, --namespace", "--timeout", "-h, --help"]) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stdout).toMatch(/get\b/);
    expect(r.stdout).toMatch(/reconcile\b/);
  });

  it("rejects an unknown flag with one line and exit 1", async () => {
    const r = await env.sluice("get", "sources", "git", "--bogus");
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("unknown option '--bogus'");
  });

  it("rejects an unknown command with one line and exit 1", async () => {
    const r = await env.sluice("frobnicate");
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });

  it("rejects an unknown kind and a missing argument with one line", async () => {
    const kind = await env.sluice("get", "sources", "svn");
    expect(kind.code).toBe(1);
    expect(kind.stderr.trim().split("\n")).toHaveLength(1);
    expect(kind.stderr).toContain("unknown command 'svn'");
    const arg = await env.sluice("reconcile", "kustomization");
    expect(arg.code).toBe(1);
    expect(arg.stderr.trim()).toBe("✗ missing required argument 'name'");
  });

  it("reports a missing object with one line and exit 1", async () => {
    const r = await env.sluice("reconcile", "source", "git", "nope");
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe("✗ GitRepository 'flux-system/nope' not found");
  });

  it("rejects a bad --timeout", async () => {
    const r = await env.sluice("reconcile", "source", "git", "x", "--timeout", "soon");
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('✗ invalid --timeout "soon": want a duration like 30s, 5m or 1h');
  });

  it("reports an unreadable kubeconfig", async () => {
    const r = await runCli(["get", "sources", "git", "--kubeconfig", "/nonexistent/kubeconfig"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^✗ cannot load kubeconfig \/nonexistent\/kubeconfig/);
  });

  it("rejects an unknown --context", async () => {
    const r = await env.sluice("get", "sources", "git", "--context", "elsewhere");
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`✗ context "elsewhere" does not exist in the kubeconfig ${env.kubeconfigPath}`);
  });

  it("prints the client and server versions", async () => {
    const r = await env.sluice("version");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^sluice: v\d+\.\d+\.\d+\nkubernetes: v\d+\.\d+/);
  });
});
