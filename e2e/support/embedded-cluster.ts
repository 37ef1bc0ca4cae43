import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ApiServer, startApiServer } from "@sluice/apiserver";
import { resolveTool } from "@sluice/runtime";

/** What a CLI run printed and how it ended. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The embedded API server with a kubeconfig file and the real kubectl bound to it. */
export interface EmbeddedCluster {
  server: ApiServer;
  kubeconfigPath: string;
  kubectl(args: readonly string[], input?: string): Promise<CliResult>;
  /** Runs kubectl and throws with its stderr unless it exits 0; returns stdout. */
  kubectlOk(args: readonly string[], input?: string): Promise<string>;
  stop(): Promise<void>;
}

/** Starts packages/apiserver in-process on a free loopback port. */
export async function startEmbeddedCluster(): Promise<EmbeddedCluster> {
  const server = await startApiServer({ port: 0, simulateWorkloads: true, workloadDelayMs: 100 });
  const dir = mkdtempSync(join(tmpdir(), "sluice-e2e-"));
  const kubeconfigPath = join(dir, "kubeconfig");
  server.writeKubeconfig(kubeconfigPath);
  const kubectlPath = resolveTool("kubectl").path;
  const kubectl = (args: readonly string[], input?: string) =>
    new Promise<CliResult>((resolve) => {
      const child = execFile(
        kubectlPath,
        ["--kubeconfig", kubeconfigPath, ...args],
        { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
      child.stdin?.end(input ?? "");
    });
  return {
    server,
    kubeconfigPath,
    kubectl,
    async kubectlOk(args, input) {
      const r = await kubectl(args, input);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
      return r.stdout;
    },
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
