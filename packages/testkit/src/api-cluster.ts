// The embedded Kubernetes API server (@sluice/apiserver) for integration tests, with the chart's CRDs
// applied through the API as a user would (`kubectl apply -f charts/sluice/crds/`).

import { readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ApiServer, startApiServer } from "@sluice/apiserver";
import { isAlreadyExists, KubeClient, KubeConfig, type UnstructuredObject } from "@sluice/runtime";
import { parseAllDocuments } from "yaml";

/** The chart's CRD directory (core kinds). */
export const CRD_DIR = join(dirname(fileURLToPath(import.meta.url)), "../../../charts/sluice/crds");
/** The chart's optional components, each with its CRDs in `<component>/crds` (e.g. source-watcher's). */
export const COMPONENTS_DIR = join(dirname(fileURLToPath(import.meta.url)), "../../../charts/sluice/components");

/** A running API server and a client for test setup and assertions. */
export interface ApiCluster {
  server: ApiServer;
  kubeConfig: KubeConfig;
  client: KubeClient;
  stop(): Promise<void>;
}

/** Options of {@link startApiCluster}. */
export interface ApiClusterOptions {
  /** Let the server roll out Deployments and other workloads after `workloadDelayMs` (default false). */
  simulateWorkloads?: boolean;
  /** Delay before simulated workload status, ms (the server's default 500 ms). */
  workloadDelayMs?: number;
}

/** Starts the API server on 127.0.0.1 and a free port (plain HTTP). */
export async function startApiCluster(options: ApiClusterOptions = {}): Promise<ApiCluster> {
  const server = await startApiServer({
    port: 0,
    tls: false,
    simulateWorkloads: options.simulateWorkloads ?? false,
    ...(options.workloadDelayMs !== undefined ? { workloadDelayMs: options.workloadDelayMs } : {}),
  });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: "test", server: server.url, skipTLSVerify: true }],
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

/**
 * Creates the CRDs found in the chart's `crds/` and `components/<component>/crds/` files whose names start with
 * `prefix` (all when empty)
 * and waits until each reports `Established=True`.
 */
export async function applyChartCrds(client: KubeClient, prefix = ""): Promise<string[]> {
  const dirs = [CRD_DIR, ...(await readdir(COMPONENTS_DIR)).sort().map((c) => join(COMPONENTS_DIR, c, "crds"))];
  const files: string[] = [];
  for (const dir of dirs) {
    for (const f of (await readdir(dir)).sort())
      if (f.startsWith(prefix) && f.endsWith(".yaml")) files.push(join(dir, f));
  }
  const names: string[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(file, "utf8"))) {
      const crd = doc.toJS() as UnstructuredObject | null;
      if (!crd) continue;
      await client.create(crd).catch((err: unknown) => {
        if (!isAlreadyExists(err)) throw err;
      });
      names.push(crd.metadata.name ?? "");
    }
  }
  const deadline = Date.now() + 30_000;
  for (const name of names) {
    for (;;) {
      const crd = await client.get<UnstructuredObject>({
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        name,
      });
      const conditions = ((crd["status"] as { conditions?: { type: string; status: string }[] } | undefined)
        ?.conditions ?? []) as { type: string; status: string }[];
      if (conditions.some((c) => c.type === "Established" && c.status === "True")) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} not Established after 30s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return names;
}

/** Creates a namespace (no error when it exists). */
export async function ensureNamespace(client: KubeClient, name: string): Promise<void> {
  await client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name } }).catch((err: unknown) => {
    if (!isAlreadyExists(err)) throw err;
  });
}
