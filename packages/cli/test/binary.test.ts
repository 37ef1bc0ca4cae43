// The built binary (dist/main.js) as a subprocess — what `pnpm sluice` and an installed `sluice` run: exit
// codes, one-line errors, a table from the embedded API server, and a completion script bash accepts.

import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliEnv, runBin, startCliEnv } from "./support/cli-env.js";

const run = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../../..");

describe.runIf(existsSync(join(ROOT, "packages/cli/dist/main.js")))("sluice binary", () => {
  let env: CliEnv;
  beforeAll(async () => {
    env = await startCliEnv();
    await env.cluster.client.create({
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "HelmRepository",
      metadata: { name: "charts", namespace: "flux-system" },
      spec: { url: "https://charts.example.com", interval: "10m" },
    });
  });
  afterAll(async () => {
    await env?.stop();
  });

  it("prints a table and exits 0", async () => {
    const r = await env.sluiceBin("get", "sources", "helm");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^NAME\s+REVISION\s+SUSPENDED\s+READY\s+MESSAGE\ncharts\s+False\s+Unknown\s+waiting to be reconciled\n$/,
    );
  });

  it("exits 1 with one line for an unknown flag and for a missing object", async () => {
    const flag = await env.sluiceBin("get", "sources", "helm", "--nope");
    expect(flag.code).toBe(1);
    expect(flag.stderr).toBe("✗ unknown option '--nope'\n");
    const missing = await env.sluiceBin("suspend", "source", "helm", "ghost");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("✗ HelmRepository 'flux-system/ghost' not found\n");
  });

  it("runs through `pnpm sluice` from the repository root", async () => {
    const { stdout } = await run(process.execPath, [join(ROOT, "scripts/sluice.mjs"), "version", "--client"]);
    expect(stdout).toMatch(/^sluice: v\d+\.\d+\.\d+\n$/);
  });

  it("`pnpm sluice` resolves relative paths against the directory pnpm was called from (INIT_CWD)", async () => {
    const caller = join(env.workDir, "caller");
    await mkdir(join(caller, "deploy"), { recursive: true });
    await writeFile(join(caller, "deploy/config.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: here\n");
    await writeFile(
      join(caller, "ks.yaml"),
      "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app\n  namespace: flux-system\nspec:\n  interval: 5m\n  path: ./deploy\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: app\n",
    );
    const { stdout } = await run(
      process.execPath,
      [
        join(ROOT, "scripts/sluice.mjs"),
        "build",
        "kustomization",
        "app",
        "--path",
        "./deploy",
        "--kustomization-file",
        "ks.yaml",
      ],
      { cwd: ROOT, env: { ...process.env, INIT_CWD: caller, KUBECONFIG: env.kubeconfigPath } },
    );
    expect(stdout).toContain("name: here");
  });

  it("completion bash is a script bash can load that completes sub-commands", async () => {
    const r = await runBin(["completion", "bash"]);
    expect(r.code).toBe(0);
    const script = join(env.workDir, "completion.bash");
    await writeFile(script, r.stdout);
    const probe = `source ${script}; COMP_WORDS=(sluice get sources g); COMP_CWORD=3; _sluice; echo "\${COMPREPLY[@]}"`;
    const { stdout } = await run("bash", ["-c", probe]);
    expect(stdout.trim()).toBe("git");
    const top = `source ${script}; COMP_WORDS=(sluice rec); COMP_CWORD=1; _sluice; echo "\${COMPREPLY[@]}"`;
    expect((await run("bash", ["-c", top])).stdout.trim()).toBe("reconcile");
  });
});
