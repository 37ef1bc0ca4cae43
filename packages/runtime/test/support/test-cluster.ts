import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { type ApiServer, type ApiServerOptions, startApiServer } from "@sluice/apiserver";
import { KubeClient } from "../../src/kube/kube-client.js";

/** A Kubernetes API for integration tests, and how to release it. */
export interface TestCluster {
  kubeConfig: KubeConfig;
  /** Path of a kubeconfig file pointing at the cluster (for kubectl/helm child processes). */
  kubeconfigPath: string;
  /** A client without rate limit, for test setup and assertions. */
  client: KubeClient;
  stop(): Promise<void>;
}

/** A cluster served by `@sluice/apiserver` in this process, which the test can inspect and restart. */
export interface EmbeddedTestCluster extends TestCluster {
  /** The running server (replaced by {@link EmbeddedTestCluster.restart}). */
  readonly server: ApiServer;
  /** Stops serving: open watches end and new connections are refused, until {@link restart}. */
  pause(): Promise<void>;
  /**
   * Starts the server again on the same port with the same token and storage, as an API server restart
   * (open watches end; objects and resourceVersions survive; watches from before the restart that are behind
   * it get `410 Expired`). `meanwhile` runs first against the same storage served on another port: changes
   * made while clients of this cluster were cut off. Needs `persistent: true`.
   */
  restart(meanwhile?: (client: KubeClient) => Promise<void>): Promise<void>;
}

/** Options of {@link startEmbeddedCluster}. */
export interface EmbeddedClusterOptions
  extends Pick<
    ApiServerOptions,
    "tls" | "simulateWorkloads" | "workloadDelayMs" | "watchHistory" | "bookmarkIntervalMs"
  > {
  /** Keep objects in a temp directory so that {@link EmbeddedTestCluster.restart} keeps them (implies no TLS). */
  persistent?: boolean;
}

/**
 * Waits until clients in this process have seen the closed connections of a stopped server. Everything here
 * shares one event loop, so a stop and a restart can complete before any socket reads its end-of-stream, and
 * a pooled keep-alive connection would then carry the next request into a closed socket; a real restart takes
 * far longer than this.
 */
function letClientsSeeClosedConnections(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 20));
}

function loadKubeConfig(path: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(path);
  return kubeConfig;
}

/**
 * client-node refuses plain-HTTP clusters unless `insecure-skip-tls-verify` is set (kubectl does not care), so
 * a kubeconfig for an HTTP server gets that flag; the file is rewritten to match.
 */
function allowPlainHttp(kubeConfig: KubeConfig, path: string): void {
  if (!kubeConfig.clusters.some((c) => c.server.startsWith("http://"))) return;
  kubeConfig.loadFromOptions({
    clusters: kubeConfig.clusters.map((c) => (c.server.startsWith("http://") ? { ...c, skipTLSVerify: true } : c)),
    users: kubeConfig.users,
    contexts: kubeConfig.contexts,
    currentContext: kubeConfig.currentContext,
  });
  writeFileSync(path, kubeConfig.exportConfig(), { mode: 0o600 });
}

/**
 * Starts `@sluice/apiserver` in-process on 127.0.0.1 and a free port and writes its kubeconfig to a temp file.
 * Plain HTTP unless `tls` is set (a TLS start generates a CA, which costs about a second). Tests that run
 * kubectl or helm need `tls: true`: client-go sends no credentials over plain HTTP (kubernetes/kubectl#744).
 * The workload simulator is off unless asked for. `stop()` stops the server and removes the temp directory.
 */
export async function startEmbeddedCluster(options: EmbeddedClusterOptions = {}): Promise<EmbeddedTestCluster> {
  const { persistent, ...serverOptions } = options;
  const dir = mkdtempSync(join(tmpdir(), "sluice-runtime-test-"));
  const kubeconfigPath = join(dir, "kubeconfig");
  const base: ApiServerOptions = {
    simulateWorkloads: false,
    ...serverOptions,
    tls: persistent ? false : (serverOptions.tls ?? false),
    ...(persistent ? { dataDir: join(dir, "data") } : {}),
  };
  let server: ApiServer;
  try {
    server = await startApiServer(base);
    server.writeKubeconfig(kubeconfigPath);
  } catch (err: unknown) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const kubeConfig = loadKubeConfig(kubeconfigPath);
  allowPlainHttp(kubeConfig, kubeconfigPath);
  const client = KubeClient.fromKubeConfig(kubeConfig, { rateLimit: false });
  let running = true;
  const cluster: EmbeddedTestCluster = {
    get server() {
      return server;
    },
    kubeConfig,
    kubeconfigPath,
    client,
    pause: async () => {
      running = false;
      await server.stop();
      await letClientsSeeClosedConnections();
    },
    restart: async (meanwhile) => {
      if (!persistent) throw new Error("restart() needs a cluster started with persistent: true");
      const { port, token } = server;
      if (running) await server.stop();
      running = false;
      await letClientsSeeClosedConnections();
      if (meanwhile) {
        const other = await startApiServer({ ...base, token });
        const otherConfig = new KubeConfig();
        otherConfig.loadFromOptions({
          clusters: [{ name: "meanwhile", server: other.url, skipTLSVerify: true }],
          users: [{ name: "meanwhile", token }],
          contexts: [{ name: "meanwhile", cluster: "meanwhile", user: "meanwhile" }],
          currentContext: "meanwhile",
        });
        const otherClient = KubeClient.fromKubeConfig(otherConfig, { rateLimit: false });
        try {
          await meanwhile(otherClient);
        } finally {
          otherClient.close();
          await other.stop();
        }
      }
      server = await startApiServer({ ...base, port, token });
      running = true;
    },
    stop: async () => {
      client.close();
      try {
        if (running) await server.stop();
        running = false;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  return cluster;
}

/**
 * The cluster integration tests run against: the kubeconfig named by `SLUICE_TEST_KUBECONFIG` when set (a
 * real cluster; tests create their own namespaces and clean up), otherwise {@link startEmbeddedCluster}.
 */
export async function startTestCluster(options: EmbeddedClusterOptions = {}): Promise<TestCluster> {
  const path = process.env["SLUICE_TEST_KUBECONFIG"];
  if (!path) return startEmbeddedCluster(options);
  const kubeConfig = loadKubeConfig(path);
  const client = KubeClient.fromKubeConfig(kubeConfig, { rateLimit: false });
  return {
    kubeConfig,
    kubeconfigPath: path,
    client,
    stop: async () => client.close(),
  };
}

/** A unique-enough suffix for names of objects a test creates (a real cluster outlives test runs). */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 1296)
    .toString(36)
    .padStart(2, "0")}`;
}
