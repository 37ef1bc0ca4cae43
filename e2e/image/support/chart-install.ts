// The Sluice chart installed with the real helm into the embedded API server (HTTPS, workload simulation on),
// as a user installs it on a cluster, and its Deployments read back from the API.

import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { resolveTool, type UnstructuredObject } from "@sluice/runtime";
import { type EmbeddedCluster, startEmbeddedCluster } from "../../support/embedded-cluster.js";

const execFileAsync = promisify(execFile);

/** The repository's chart. */
export const CHART_DIR = join(import.meta.dirname, "../../../charts/sluice");

/** The namespace the tests install into (the chart's usual one). */
export const NAMESPACE = "flux-system";

/** Runs the real helm against the cluster; throws with helm's stderr on failure. */
export async function helm(cluster: EmbeddedCluster, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync(
      resolveTool("helm").path,
      [...args, "--kubeconfig", cluster.kubeconfigPath],
      {
        maxBuffer: 64 * 1024 * 1024,
        timeout: 300_000,
      },
    );
    return stdout;
  } catch (err: unknown) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`helm ${args.join(" ")} failed: ${e.stderr || e.message}`);
  }
}

/** Starts the API server and `helm install`s the chart with `set` values; returns the cluster. */
export async function installChart(set: readonly string[] = []): Promise<EmbeddedCluster> {
  const cluster = await startEmbeddedCluster();
  try {
    await helm(cluster, [
      "install",
      "sluice",
      CHART_DIR,
      "--namespace",
      NAMESPACE,
      "--create-namespace",
      ...set.flatMap((s) => ["--set", s]),
    ]);
  } catch (err: unknown) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

/** The installed controllers' Deployments, by name. */
export async function installedDeployments(cluster: EmbeddedCluster): Promise<UnstructuredObject[]> {
  const list = JSON.parse(
    await cluster.kubectlOk([
      "get",
      "deployments",
      "-n",
      NAMESPACE,
      "-l",
      "app.kubernetes.io/part-of=sluice",
      "-o",
      "json",
    ]),
  ) as { items: UnstructuredObject[] };
  return list.items.sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
}
