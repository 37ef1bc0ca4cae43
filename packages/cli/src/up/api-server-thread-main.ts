// The worker-thread side of {@link startApiServerThread}: runs the embedded API server on its own event loop
// and answers the parent's `stop`.

import { parentPort, workerData } from "node:worker_threads";
import { type ApiServerOptions, startApiServer } from "@sluice/apiserver";
import type { ThreadMessage } from "./api-server-thread.js";

const port = parentPort;
if (!port) throw new Error("api-server-thread-main runs as a worker thread");
const post = (m: ThreadMessage) => port.postMessage(m);

try {
  const server = await startApiServer(workerData as ApiServerOptions);
  port.on("message", (m: { type: string }) => {
    if (m.type !== "stop") return;
    void server.stop().then(
      () => post({ type: "stopped" }),
      (err: unknown) => post({ type: "stopped", error: err instanceof Error ? err.message : String(err) }),
    );
  });
  post({ type: "serving", url: server.url, port: server.port, kubeconfig: server.kubeconfig });
} catch (err: unknown) {
  const e = err instanceof Error ? err : new Error(String(err));
  post({
    type: "failed",
    name: e.name,
    message: e.message,
    ...((e as NodeJS.ErrnoException).code ? { code: String((e as NodeJS.ErrnoException).code) } : {}),
  });
}
