// The kustomize-controller as its own process for the benchmarks, until the package has `src/main.ts`: runs
// the compiled `createKustomizeController` with Flux's defaults (client rate limit included) against the
// kubeconfig given as the first argument, `--concurrent` as the second.
import { KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { createKustomizeController } from "../dist/index.js";

const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(process.argv[2] ?? "");
const controller = createKustomizeController({
  kubeConfig,
  metricsAddr: "0",
  healthAddr: "0",
  concurrency: Number(process.argv[3] ?? "4"),
  logger: pino({ level: "error" }),
});
const abort = new AbortController();
process.on("SIGTERM", () => abort.abort());
await controller.start(abort.signal);
