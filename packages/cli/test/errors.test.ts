// The common set-up mistakes end with one line naming the fix (exit 1): no kubeconfig, a server that does not
// answer, Flux's CRDs missing, an unknown kind in trace, a source URL the source-controller stalls on.

import { mkdir, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { tempDir } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliEnv, runCli, startCliEnv } from "./support/cli-env.js";

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("errors naming the fix", () => {
  let home: Awaited<ReturnType<typeof tempDir>>;
  let bare: CliEnv;
  let full: CliEnv;
  beforeAll(async () => {
    home = await tempDir("sluice-cli-home-");
    bare = await startCliEnv({ noCrds: true });
    full = await startCliEnv({ withSourceController: true });
  });
  afterAll(async () => {
    await bare?.stop();
    await full?.stop();
    await home?.remove();
  });

  it("no kubeconfig anywhere", async () => {
    const r = await runCli(["get", "kustomizations"], { HOME: home.path }, home.path);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `✗ no kubeconfig found: KUBECONFIG is not set and ${join(home.path, ".kube/config")} does not exist; pass --kubeconfig <file>, set KUBECONFIG, or start a local cluster with \`sluice up\`\n`,
    );
  });

  it("falls back to the kubeconfig of a sluice up running on this machine", async () => {
    const upHome = join(home.path, "with-up");
    await mkdir(join(upHome, ".sluice"), { recursive: true });
    await writeFile(
      join(upHome, ".sluice", "up.json"),
      JSON.stringify({ pid: process.pid, kubeconfig: full.kubeconfigPath, server: "", logDir: "", controllers: [] }),
    );
    const r = await runCli(["get", "sources", "git"], { HOME: upHome }, upHome);
    expect(r.stderr).toBe("✗ no GitRepository objects found in flux-system namespace\n");
    // A record left by a process that is gone is ignored.
    await writeFile(
      join(upHome, ".sluice", "up.json"),
      JSON.stringify({
        pid: 2 ** 22 + 12345,
        kubeconfig: full.kubeconfigPath,
        server: "",
        logDir: "",
        controllers: [],
      }),
    );
    expect((await runCli(["get", "sources", "git"], { HOME: upHome }, upHome)).stderr).toMatch(
      /^✗ no kubeconfig found/,
    );
  });

  it("server unreachable", async () => {
    const port = await closedPort();
    const kubeconfig = join(home.path, "unreachable.yaml");
    await writeFile(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "https://127.0.0.1:${port}"}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n`,
    );
    for (const args of [
      ["get", "ks"],
      ["get", "all"],
      ["reconcile", "ks", "apps"],
    ]) {
      const r = await runCli([...args, "--kubeconfig", kubeconfig], { HOME: home.path }, home.path);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `✗ cannot reach the Kubernetes API server at https://127.0.0.1:${port} (ECONNREFUSED): is \`sluice up\` running? kubeconfig ${kubeconfig} points at https://127.0.0.1:${port}\n`,
      );
    }
  });

  it("CRDs not installed: get <kind>, get all and get <kind> NAME fail with the fix", async () => {
    const ks = await bare.sluice("get", "kustomizations");
    expect(ks.code).toBe(1);
    expect(ks.stderr).toBe(
      "✗ the kustomize.toolkit.fluxcd.io/v1/Kustomization CRD is not installed on this cluster: install Flux's CRDs with `sluice install` (or run `sluice up`), then retry\n",
    );
    const all = await bare.sluice("get", "all");
    expect(all.code).toBe(1);
    expect(all.stderr).toMatch(
      /^✗ the Flux \(GitRepository, .*HelmRelease\) CRD is not installed on this cluster: install Flux's CRDs with `sluice install`/,
    );
    const one = await bare.sluice("suspend", "source", "git", "podinfo");
    expect(one.code).toBe(1);
    expect(one.stderr).toBe(
      "✗ the GitRepository (source.toolkit.fluxcd.io/v1) CRD is not installed on this cluster: install Flux's CRDs with `sluice install` (or run `sluice up`), then retry\n",
    );
  });

  it("trace: short kinds and kind/name resolve, an unknown short kind names the fix", async () => {
    const deploy = await full.sluice("trace", "deploy/web");
    expect(deploy.stderr).toBe("✗ Deployment 'flux-system/web' not found\n");
    const cm = await full.sluice("trace", "cm", "settings");
    expect(cm.stderr).toBe("✗ ConfigMap 'flux-system/settings' not found\n");
    const unknown = await full.sluice("trace", "dep/web");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      /^✗ unknown kind "dep": use a kind name or short name such as deployment \(deploy\)/,
    );
  });

  it("a source URL the source-controller stalls on fails at once, not after --timeout", async () => {
    const r = await full.sluice(
      "create",
      "source",
      "git",
      "broken",
      "--url",
      "https://exa mple.com/repo",
      "--branch",
      "main",
      "--timeout",
      "10m",
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("◎ waiting for GitRepository source reconciliation\n");
    expect(r.stderr).toMatch(/✗ failed to parse url 'https:\/\/exa mple\.com\/repo': invalid URL\n$/);
  });
});
