// Runs the controller's ResourceManager in a worker thread for the apply benchmark, so that the client has its
// own event loop and CPU thread like the controller process (the API server stays on the main thread, where
// its audit log is read). Uses the compiled @sluice/runtime.
import { parentPort, workerData } from "node:worker_threads";
import { KubeClient, KubeConfig, ResourceManager } from "@sluice/runtime";

const kubeConfig = new KubeConfig();
kubeConfig.loadFromOptions({
  clusters: [{ name: "bench", server: workerData.url, skipTLSVerify: true }],
  users: [{ name: "bench", token: workerData.token }],
  contexts: [{ name: "bench", cluster: "bench", user: "bench" }],
  currentContext: "bench",
});
const client = KubeClient.fromKubeConfig(kubeConfig, { rateLimit: false });
const manager = new ResourceManager({
  client,
  owner: { field: "kustomize-controller", group: "kustomize.toolkit.fluxcd.io" },
  concurrency: workerData.concurrency,
});

parentPort?.on("message", async (message) => {
  if (message === "close") {
    client.close();
    parentPort?.close();
    return;
  }
  try {
    const started = performance.now();
    const changeSet = await manager.applyAllStaged(workerData.objects);
    parentPort?.postMessage({ ms: performance.now() - started, actions: changeSet.entries.map((e) => e.action) });
  } catch (err) {
    parentPort?.postMessage({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
});
