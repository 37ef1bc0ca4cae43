// The environment CLI tests run commands against: the embedded API server with the chart's CRDs, the
// flux-system namespace, a kubeconfig file for it, optionally the real source-controller, and `sluice(...)`,
// which runs a command in-process (or as the built binary) and captures its output and exit code.

import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { startApiServer } from "@sluice/apiserver";
import { createKustomizeController } from "@sluice/kustomize-controller";
import { KubeClient, KubeConfig } from "@sluice/runtime/kube";
import { createLogger } from "@sluice/runtime/logging";
import { createSourceController, type SourceController } from "@sluice/source-controller";
import { type ApiCluster, applyChartCrds, ensureNamespace, startApiCluster, tempDir } from "@sluice/testkit";
import type { CliIO } from "../../src/io.js";
import { run } from "../../src/program.js";

/** Output and exit code of one command. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A running test environment. */
export interface CliEnv {
  cluster: ApiCluster;
  kubeconfigPath: string;
  workDir: string;
  controller: SourceController | undefined;
  /** Runs `sluice <args> --kubeconfig <env's>` in-process. */
  sluice(...args: string[]): Promise<CliResult>;
  /** Runs the built binary `dist/main.js` as a subprocess with the env's kubeconfig. */
  sluiceBin(...args: string[]): Promise<CliResult>;
  stop(): Promise<void>;
}

/** A Writable collecting text. */
export class TextSink extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (error?: Error | null) => void): void {
    this.text += chunk.toString();
    cb();
  }
}

const MAIN = join(dirname(fileURLToPath(import.meta.url)), "../../dist/main.js");

/** Runs a command in-process with captured IO. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}, cwd = process.cwd()): Promise<CliResult> {
  const stdout = new TextSink();
  const stderr = new TextSink();
  const io: CliIO = { stdout, stderr, env, cwd, isTTY: false, columns: undefined };
  const code = await run(args, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Runs the built binary with `args`. */
export function runBin(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env["PATH"], ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Like startApiCluster, over HTTPS and with the API server's workload simulation on (Deployments become ready). */
async function startSimulatingCluster(): Promise<ApiCluster> {
  // HTTPS: client-go (inside helm) never sends a bearer token over plain HTTP.
  const server = await startApiServer({ port: 0, tls: true, simulateWorkloads: true });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: "test", server: server.url, caData: Buffer.from(server.caCert ?? "").toString("base64") }],
    users: [{ name: "admin", token: server.token }],
    contexts: [{ name: "test", cluster: "test", user: "admin", namespace: "default" }],
    currentContext: "test",
  });
  const client = KubeClient.fromKubeConfig(kubeConfig, { rateLimit: false });
  return {
    server,
    kubeConfig,
    client,
    stop: async () => {
      client.close();
      await server.stop();
    },
  };
}

/** Starts the API server (all chart CRDs, namespace flux-system) and, with `withSourceController`, the source-controller. */
export async function startCliEnv(
  options: {
    withSourceController?: boolean;
    withKustomizeController?: boolean;
    withHelmController?: boolean;
    simulateWorkloads?: boolean;
    noCrds?: boolean;
  } = {},
): Promise<CliEnv> {
  const dir = await tempDir("sluice-cli-");
  const cluster = options.simulateWorkloads ? await startSimulatingCluster() : await startApiCluster();
  if (!options.noCrds) await applyChartCrds(cluster.client);
  await ensureNamespace(cluster.client, "flux-system");
  const kubeconfigPath = join(dir.path, "kubeconfig");
  await writeFile(kubeconfigPath, cluster.kubeConfig.exportConfig());
  let controller: SourceController | undefined;
  let stopController = async () => {};
  if (options.withSourceController) {
    controller = createSourceController({
      kubeConfig: cluster.kubeConfig,
      storagePath: join(dir.path, "storage"),
      storageAddr: "127.0.0.1:0",
      metricsAddr: "127.0.0.1:0",
      healthAddr: "127.0.0.1:0",
      concurrency: 2,
      retryDelay: { min: 200, max: 2_000 },
      requeueDependencyMs: 300,
      rateLimit: false,
      logger: await createLogger({ level: "error", destination: new TextSink() }),
    });
    const abort = new AbortController();
    const running = controller.start(abort.signal);
    running.catch(() => undefined);
    await controller.ready();
    stopController = async () => {
      abort.abort();
      await running.catch(() => undefined);
    };
  }
  if (options.withKustomizeController) {
    const ks = createKustomizeController({
      kubeConfig: cluster.kubeConfig,
      metricsAddr: "127.0.0.1:0",
      healthAddr: "127.0.0.1:0",
      retryDelay: { min: 200, max: 2_000 },
      rateLimit: false,
      logger: await createLogger({ level: "error", destination: new TextSink() }),
    });
    const abort = new AbortController();
    const running = ks.start(abort.signal);
    running.catch(() => undefined);
    const before = stopController;
    stopController = async () => {
      abort.abort();
      await running.catch(() => undefined);
      await before();
    };
  }
  if (options.withHelmController) {
    const { createHelmController } = await import("@sluice/helm-controller");
    const hc = createHelmController({
      kubeConfig: cluster.kubeConfig,
      metricsAddr: "127.0.0.1:0",
      healthAddr: "127.0.0.1:0",
      logger: await createLogger({ level: "error", destination: new TextSink() }),
    });
    const abort = new AbortController();
    const running = hc.start(abort.signal);
    running.catch(() => undefined);
    const before = stopController;
    stopController = async () => {
      abort.abort();
      await running.catch(() => undefined);
      await before();
    };
  }
  const env = { KUBECONFIG: kubeconfigPath, HOME: dir.path };
  return {
    cluster,
    kubeconfigPath,
    workDir: dir.path,
    controller,
    sluice: (...args) => runCli(args, env, dir.path),
    sluiceBin: (...args) => runBin(args, env),
    stop: async () => {
      await stopController();
      await cluster.stop();
      await dir.remove();
    },
  };
}
