// The kustomize-controller command (what main.ts runs): flags, a kubeconfig file, and a real reconcile.

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import type { Kustomization } from "@sluice/api";
import { type ApiCluster, applyChartCrds, startApiCluster, tempDir } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KustomizeController, runKustomizeController } from "../src/index.js";

let root: { path: string; remove: () => Promise<void> };
let cluster: ApiCluster;
let kubeconfigPath: string;

beforeAll(async () => {
  root = await tempDir("kc-cli-");
  cluster = await startApiCluster();
  await applyChartCrds(cluster.client, "source.toolkit.fluxcd.io_");
  await applyChartCrds(cluster.client, "kustomize.toolkit.fluxcd.io_");
  kubeconfigPath = join(root.path, "kubeconfig");
  await writeFile(kubeconfigPath, cluster.kubeConfig.exportConfig(), { mode: 0o600 });
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
  await root?.remove();
});

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let out = "";
  stream.on("data", (c: Buffer) => {
    out += c.toString();
  });
  return { stream, text: () => out };
}

describe("runKustomizeController", () => {
  it("prints usage with --help and exits 0", async () => {
    const stdout = collect();
    expect(await runKustomizeController(["--help"], { stdout: stdout.stream })).toBe(0);
    expect(stdout.text()).toContain("--no-remote-bases");
    expect(stdout.text()).toContain("--requeue-dependency");
  });

  it("exits 2 naming a bad flag", async () => {
    const stderr = collect();
    expect(await runKustomizeController(["--concurrent-ssa=0"], { stderr: stderr.stream })).toBe(2);
    expect(stderr.text()).toContain('invalid value "0" for --concurrent-ssa');
  });

  it("runs against the kubeconfig, reports a Kustomization whose source is missing, and stops on the signal", async () => {
    const abort = new AbortController();
    const logs = collect();
    let started: KustomizeController | undefined;
    const exit = runKustomizeController(
      [`--kubeconfig=${kubeconfigPath}`, "--metrics-addr=0", "--health-addr=0", "--log-level=info"],
      { signal: abort.signal, logDestination: logs.stream, onStart: (c) => (started = c) },
    );
    await cluster.client.create({
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: { namespace: "default", name: "orphan" },
      spec: { interval: "5m", prune: true, sourceRef: { kind: "GitRepository", name: "nowhere" } },
    });
    const deadline = Date.now() + 30_000;
    let message: string | undefined;
    while (Date.now() < deadline) {
      const k = await cluster.client.get<Kustomization>({
        apiVersion: "kustomize.toolkit.fluxcd.io/v1",
        kind: "Kustomization",
        namespace: "default",
        name: "orphan",
      });
      message = k.status?.conditions?.find((c) => c.type === "Ready")?.message;
      if (message) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(message).toBe('gitrepositories.source.toolkit.fluxcd.io "nowhere" not found');
    expect(started).toBeDefined();
    abort.abort();
    expect(await exit).toBe(0);
    expect(logs.text()).toContain('"controller":"kustomize-controller"');
  }, 60_000);
});
