// `sluice up`'s embedded API server on a worker thread: its request handling, watches and storage get an event
// loop (and a core) of their own instead of sharing one with every controller. When the compiled worker is not
// there (running from the TypeScript sources, as the e2e tests do) the server runs in this thread.

import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { ApiServerOptions } from "@sluice/apiserver";

/** What `sluice up` needs of its embedded API server. */
export interface EmbeddedApiServer {
  readonly url: string;
  readonly port: number;
  /** Writes the admin kubeconfig (mode 0600). */
  writeKubeconfig(path: string): void;
  stop(): Promise<void>;
  /** Whether it runs on a worker thread. */
  readonly threaded: boolean;
}

/** Messages from the worker. */
export type ThreadMessage =
  | { type: "serving"; url: string; port: number; kubeconfig: Record<string, unknown> }
  | { type: "failed"; name: string; message: string; code?: string }
  | { type: "stopped"; error?: string };

const WORKER = new URL("./api-server-thread-main.js", import.meta.url);

/** Starts the API server on a worker thread (in this thread when the worker's compiled file is absent). */
export async function startEmbeddedApiServer(options: ApiServerOptions): Promise<EmbeddedApiServer> {
  const { writeKubeconfigFile } = await import("@sluice/apiserver");
  if (!existsSync(fileURLToPath(WORKER))) {
    const { startApiServer } = await import("@sluice/apiserver");
    const server = await startApiServer(options);
    return {
      url: server.url,
      port: server.port,
      writeKubeconfig: (path) => server.writeKubeconfig(path),
      stop: () => server.stop(),
      threaded: false,
    };
  }
  const worker = new Worker(WORKER, { workerData: options });
  const first = await new Promise<ThreadMessage>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the API server thread exited (${code}) before serving`)));
  });
  worker.removeAllListeners("exit");
  worker.removeAllListeners("error");
  if (first.type !== "serving") {
    await worker.terminate();
    const message = first.type === "failed" ? first.message : "the API server thread stopped before serving";
    const err = new Error(message) as NodeJS.ErrnoException;
    if (first.type === "failed") {
      err.name = first.name;
      if (first.code) err.code = first.code;
    }
    throw err;
  }
  worker.on("error", () => undefined);
  let stopping: Promise<void> | undefined;
  return {
    url: first.url,
    port: first.port,
    writeKubeconfig: (path) => writeKubeconfigFile(path, first.kubeconfig as Parameters<typeof writeKubeconfigFile>[1]),
    threaded: true,
    stop: () => {
      stopping ??= new Promise<void>((resolve) => {
        const done = () => void worker.terminate().then(() => resolve());
        worker.once("message", done);
        worker.once("exit", () => resolve());
        worker.postMessage({ type: "stop" });
      });
      return stopping;
    },
  };
}
