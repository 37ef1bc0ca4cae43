// The README's way of running sluice (`pnpm -s sluice …` from the repository root) gives clean stdout: an
// `export` piped into the real `kubectl apply -f -` recreates the object.

import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { resolveTool } from "@sluice/runtime/tools";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliEnv, startCliEnv } from "./support/cli-env.js";

const exec = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../../..");

describe("pnpm -s sluice export | kubectl apply -f -", () => {
  let env: CliEnv;
  beforeAll(async () => {
    // HTTPS: kubectl sends the bearer token only over TLS.
    env = await startCliEnv({ simulateWorkloads: true });
    await env.cluster.client.create({
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      metadata: { name: "podinfo", namespace: "flux-system" },
      spec: { url: "https://github.com/stefanprodan/podinfo", interval: "1m", ref: { branch: "master" } },
    });
  });
  afterAll(async () => {
    await env?.stop();
  });

  it("stdout is only YAML, which kubectl applies", async () => {
    const kubectl = resolveTool("kubectl").path;
    const exported = await exec(
      "pnpm",
      ["-s", "sluice", "export", "source", "git", "podinfo", "--kubeconfig", env.kubeconfigPath],
      {
        cwd: ROOT,
      },
    );
    expect(exported.stdout).toMatch(/^---\napiVersion: source\.toolkit\.fluxcd\.io\/v1\nkind: GitRepository\n/);
    await env.cluster.client.delete({
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      name: "podinfo",
      namespace: "flux-system",
    });
    const pipe = () =>
      exec(
        "sh",
        [
          "-c",
          `pnpm -s sluice export source git podinfo --kubeconfig "$KC" | "$KUBECTL" --kubeconfig "$KC" apply -f -`,
        ],
        {
          cwd: ROOT,
          env: { ...process.env, KC: env.kubeconfigPath, KUBECTL: kubectl },
        },
      );
    const recreate = await exec("sh", ["-c", `printf '%s' "$YAML" | "$KUBECTL" --kubeconfig "$KC" apply -f -`], {
      env: { ...process.env, KC: env.kubeconfigPath, KUBECTL: kubectl, YAML: exported.stdout },
    });
    expect(recreate.stdout.trim()).toBe("gitrepository.source.toolkit.fluxcd.io/podinfo created");
    // Straight through a pipe, as the README shows it.
    expect((await pipe()).stdout.trim()).toBe("gitrepository.source.toolkit.fluxcd.io/podinfo unchanged");
  });
});
