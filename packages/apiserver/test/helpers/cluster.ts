import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type ApiServer, type ApiServerOptions, startApiServer } from "../../src/index.js";

/** Repository root (for the real kubectl and helm binaries). */
export const REPO_ROOT = resolve(import.meta.dirname, "../../../..");
/** The real kubectl. */
export const KUBECTL = join(REPO_ROOT, ".tools/bin/kubectl");
/** The real helm. */
export const HELM = join(REPO_ROOT, ".tools/bin/helm");

/** Output of a finished process. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion (optionally feeding stdin). */
export function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd ?? process.cwd() });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** A server started in-process plus a kubeconfig file and CLI runners bound to it. */
export interface TestCluster {
  server: ApiServer;
  dir: string;
  kubeconfigPath: string;
  env: NodeJS.ProcessEnv;
  kubectl(args: string[], input?: string): Promise<RunResult>;
  /** Runs kubectl and fails with its stderr unless it exits 0; returns stdout. */
  kubectlOk(args: string[], input?: string): Promise<string>;
  helm(args: string[]): Promise<RunResult>;
  writeFile(name: string, content: string): string;
  stop(): Promise<void>;
}

/** Starts a server on a free loopback port and writes its kubeconfig into a fresh temp directory. */
export async function startTestCluster(options: ApiServerOptions = {}): Promise<TestCluster> {
  const server = await startApiServer({ simulateWorkloads: false, ...options });
  const dir = mkdtempSync(join(tmpdir(), "sluice-apiserver-test-"));
  const kubeconfigPath = join(dir, "kubeconfig");
  server.writeKubeconfig(kubeconfigPath);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env["PATH"] ?? "/usr/bin:/bin",
    HOME: dir,
    KUBECONFIG: kubeconfigPath,
    HELM_CACHE_HOME: join(dir, "helm-cache"),
    HELM_CONFIG_HOME: join(dir, "helm-config"),
    HELM_DATA_HOME: join(dir, "helm-data"),
  };
  const kubectl = (args: string[], input?: string): Promise<RunResult> =>
    run(KUBECTL, ["--kubeconfig", kubeconfigPath, ...args], {
      env,
      cwd: dir,
      ...(input !== undefined ? { input } : {}),
    });
  return {
    server,
    dir,
    kubeconfigPath,
    env,
    kubectl,
    kubectlOk: async (args, input) => {
      const r = await kubectl(args, input);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${r.code}): ${r.stderr}${r.stdout}`);
      return r.stdout;
    },
    helm: (args) => run(HELM, ["--kubeconfig", kubeconfigPath, ...args], { env, cwd: dir }),
    writeFile: (name, content) => {
      const p = join(dir, name);
      writeFileSync(p, content);
      return p;
    },
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A long-running process whose output is collected as it arrives. */
export interface Streaming {
  output(): string;
  /** Resolves once the collected stdout matches, rejects after the timeout. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

/** Starts a program and collects its stdout (for `kubectl get -w`, `helm --wait`). */
export function startStreaming(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Streaming {
  const child = spawn(cmd, args, { env, cwd });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<void>((r) => child.on("close", () => r()));
  return {
    output: () => out,
    waitFor: async (pattern, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (pattern.test(out)) return out;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`timed out waiting for ${pattern}; stdout: ${out}; stderr: ${err}`);
    },
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
