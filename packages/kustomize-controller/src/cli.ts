// The kustomize-controller command: flags → logger and kubeconfig → createKustomizeController → run until
// the process is told to stop. main.ts calls it with the process's arguments and signals.

import type { Writable } from "node:stream";
import { createLogger, KubeConfig } from "@sluice/runtime";
import { createKustomizeController, type KustomizeController } from "./controller.js";
import { type KustomizeControllerFlags, parseKustomizeControllerFlags, USAGE } from "./flags.js";

/** Process-level inputs of {@link runKustomizeController} (the real process's by default). */
export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Stops the controller; default SIGTERM/SIGINT through the manager's signal handling. */
  signal?: AbortSignal;
  /** Where logs go (default stdout). */
  logDestination?: Writable;
  stderr?: Writable;
  stdout?: Writable;
  /** Called once the controller is created and starting. */
  onStart?: (controller: KustomizeController) => void;
}

/**
 * Runs the kustomize-controller with command-line `argv` (Flux's flags, see {@link USAGE}) until the signal
 * aborts; resolves with the exit code: 0 after a clean stop or `--help`, 2 for bad flags, 1 when the
 * controller failed (lost leadership, caches not syncing, …).
 */
export async function runKustomizeController(argv: readonly string[], options: RunOptions = {}): Promise<number> {
  const stderr = options.stderr ?? process.stderr;
  const stdout = options.stdout ?? process.stdout;
  let flags: KustomizeControllerFlags;
  try {
    flags = parseKustomizeControllerFlags(argv, options.env ?? process.env);
  } catch (err: unknown) {
    stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return 2;
  }
  if (flags.help) {
    stdout.write(USAGE);
    return 0;
  }
  const logger = createLogger({
    level: flags.logLevel,
    encoding: flags.logEncoding,
    base: { controller: "kustomize-controller" },
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  try {
    const kubeConfig = new KubeConfig();
    if (flags.kubeconfig) kubeConfig.loadFromFile(flags.kubeconfig);
    else kubeConfig.loadFromDefault();
    const controller = createKustomizeController({ ...flags.controller, kubeConfig, logger });
    const signal = options.signal ?? controller.manager.handleSignals();
    logger.info("starting kustomize-controller");
    const running = controller.start(signal);
    options.onStart?.(controller);
    await running;
    logger.info("kustomize-controller stopped");
    return 0;
  } catch (err: unknown) {
    logger.error({ error: err }, "kustomize-controller failed");
    return 1;
  }
}
