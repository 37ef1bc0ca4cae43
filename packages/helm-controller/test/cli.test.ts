// The helm-controller command (what main.ts runs): Flux's flags, usage, exit codes and JSON logs, against
// the embedded API server through a kubeconfig file.

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { type ApiCluster, applyChartCrds, startApiCluster, tempDir } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runHelmController } from "../src/index.js";

let root: Awaited<ReturnType<typeof tempDir>>;
let cluster: ApiCluster;
let kubeconfigPath: string;

beforeAll(async () => {
  root = await tempDir("hc-cli-");
  cluster = await startApiCluster();
  await applyChartCrds(cluster.client, "helm.toolkit.fluxcd.io_");
  kubeconfigPath = join(root.path, "kubeconfig");
  await writeFile(kubeconfigPath, cluster.kubeConfig.exportConfig(), { mode: 0o600 });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  await root?.remove();
});

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}

describe("helm-controller command", () => {
  it("prints usage with --help and exits 0", async () => {
    const out = collect();
    expect(await runHelmController(["--help"], { stdout: out.stream })).toBe(0);
    expect(out.text()).toContain("--requeue-dependency dur");
    expect(out.text()).toContain("--watch-configs-label-selector");
  });

  it("exits 2 naming a bad flag", async () => {
    const err = collect();
    expect(await runHelmController(["--concurrent=none"], { stderr: err.stream })).toBe(2);
    expect(err.text()).toContain('invalid value "none" for --concurrent');
  });

  it("runs with a kubeconfig until stopped, logging JSON, and exits 0", async () => {
    const logs = collect();
    const abort = new AbortController();
    const running = runHelmController(
      ["--kubeconfig", kubeconfigPath, "--metrics-addr=0", "--health-addr=0", "--log-level=info"],
      {
        signal: abort.signal,
        logDestination: logs.stream,
        onStart: () => setTimeout(() => abort.abort(), 1_500),
      },
    );
    expect(await running).toBe(0);
    const lines = logs
      .text()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { msg: string; controller?: string });
    expect(lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(["starting helm-controller", "helm-controller stopped"]),
    );
  });
});
