// The source-controller command (what main.ts runs): Flux's flags, a kubeconfig file, probes, metrics and
// JSON logs, against the embedded API server and a git http-backend server.

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import type { GitRepository } from "@sluice/api";
import {
  type ApiCluster,
  applyChartCrds,
  createFixtureRepo,
  ensureNamespace,
  eventually,
  type GitHttpServer,
  startApiCluster,
  startGitHttpServer,
  tempDir,
} from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSourceController, type SourceController } from "../src/index.js";

const NS = "flux-cli";
const API = "source.toolkit.fluxcd.io/v1";

let root: { path: string; remove: () => Promise<void> };
let cluster: ApiCluster;
let git: GitHttpServer;
let kubeconfigPath: string;

beforeAll(async () => {
  root = await tempDir("sc-cli-");
  const repo = await createFixtureRepo(join(root.path, "repos"), "app");
  await repo.commit({ "app.yaml": "a: 1\n" }, "first");
  await repo.push();
  git = await startGitHttpServer({ root: join(root.path, "repos") });
  cluster = await startApiCluster();
  await applyChartCrds(cluster.client, "source.toolkit.fluxcd.io_");
  await ensureNamespace(cluster.client, NS);
  kubeconfigPath = join(root.path, "kubeconfig");
  await writeFile(kubeconfigPath, cluster.kubeConfig.exportConfig(), { mode: 0o600 });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  await git?.stop();
  await root?.remove();
});

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}

function until<T>(fn: () => Promise<T | undefined>, what: string, ms = 30_000): Promise<T> {
  return eventually(what, fn, ms);
}

describe("source-controller command", () => {
  it("runs from Flux's flags: reconciles, serves artifacts, probes and metrics, logs JSON, stops cleanly", async () => {
    const logs = collect();
    const abort = new AbortController();
    let controller: SourceController | undefined;
    const exit = runSourceController(
      [
        `--kubeconfig=${kubeconfigPath}`,
        "--storage-path",
        join(root.path, "storage"),
        "--storage-addr=127.0.0.1:0",
        "--metrics-addr=127.0.0.1:0",
        "--health-addr=127.0.0.1:0",
        "--concurrent=1",
        "--artifact-retention-records=1",
        "--log-level=debug",
        "--watch-all-namespaces=true",
      ],
      { signal: abort.signal, logDestination: logs.stream, env: {}, onStart: (c) => (controller = c) },
    );
    const started = await until(async () => controller, "the controller to start");
    const { advertisedAddress } = await started.ready();

    await cluster.client.create({
      apiVersion: API,
      kind: "GitRepository",
      metadata: { namespace: NS, name: "app" },
      spec: { interval: "5m", url: git.url("app.git") },
    });
    const obj = await until(async () => {
      const o = await cluster.client.get<GitRepository>({
        apiVersion: API,
        kind: "GitRepository",
        namespace: NS,
        name: "app",
      });
      return o.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ? o : undefined;
    }, "Ready");
    expect(obj.status?.artifact?.url.startsWith(`http://${advertisedAddress}/gitrepository/${NS}/app/`)).toBe(true);
    const res = await fetch(obj.status?.artifact?.url ?? "");
    expect(res.status).toBe(200);
    await res.arrayBuffer();

    const health = started.manager.probes.addressOf("/healthz");
    const metricsAt = started.manager.probes.addressOf("/metrics");
    expect((await fetch(`http://127.0.0.1:${health?.port}/readyz`)).status).toBe(200);
    const metrics = await until(async () => {
      const text = await (await fetch(`http://127.0.0.1:${metricsAt?.port}/metrics`)).text();
      return text.includes('gotk_reconcile_duration_seconds_count{kind="GitRepository",name="app"') ? text : undefined;
    }, "reconcile metrics");
    expect(metrics).toMatch(
      /gotk_reconcile_duration_seconds_count\{kind="GitRepository",name="app",namespace="flux-cli"\} [1-9]/,
    );
    expect(metrics).toContain('controller_runtime_max_concurrent_reconciles{controller="gitrepository"} 1');

    abort.abort();
    expect(await exit).toBe(0);
    const lines = logs
      .text()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(
      lines.some((l) => l["msg"] === "starting source-controller" && l["controller"] === "source-controller"),
    ).toBe(true);
    expect(
      lines.some(
        (l) => typeof l["msg"] === "string" && (l["msg"] as string).startsWith("stored artifact for commit 'first'"),
      ),
    ).toBe(true);
    expect(lines.at(-1)?.["msg"]).toBe("source-controller stopped");
  });

  it("exits 2 naming a bad flag, and 0 printing usage for --help", async () => {
    const err = collect();
    expect(await runSourceController(["--concurrent=zero"], { stderr: err.stream, env: {} })).toBe(2);
    expect(err.text()).toContain('invalid value "zero" for --concurrent');
    expect(err.text()).toContain("Usage: source-controller");
    const out = collect();
    expect(await runSourceController(["--help"], { stdout: out.stream, env: {} })).toBe(0);
    expect(out.text()).toContain("--storage-adv-addr");
  });

  it("exits 1 when the storage address is already in use", async () => {
    const { createServer } = await import("node:net");
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as { port: number }).port;
    const logs = collect();
    try {
      const code = await runSourceController(
        [
          `--kubeconfig=${kubeconfigPath}`,
          `--storage-path=${join(root.path, "storage2")}`,
          `--storage-addr=127.0.0.1:${port}`,
          "--metrics-addr=0",
          "--health-addr=0",
        ],
        { signal: new AbortController().signal, logDestination: logs.stream, env: {} },
      );
      expect(code).toBe(1);
      expect(logs.text()).toContain("EADDRINUSE");
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });
});
